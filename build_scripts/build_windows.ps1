# Windows: one-folder bundle (dist\gencanvas\) plus an Inno Setup installer.
#
#   powershell -ExecutionPolicy Bypass -File build_scripts\build_windows.ps1 [-NoInstaller] [-Python .venv\Scripts\python.exe]
#
# Needs: the app and PyInstaller installed in the venv (pip install -e ".[test]"), and for
# the installer Inno Setup 6 (ISCC.exe on PATH or in its default folder).
# Untested in CI (no Windows runner); see build_scripts/README.md for the pitfalls.
param(
    [switch]$NoInstaller,
    [string]$Python = ".venv\Scripts\python.exe",
    [string]$Dist = "dist",
    [string]$Work = "build"
)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

# The executable icon: render the SVG once; PyInstaller converts the .png to .ico (Pillow).
New-Item -ItemType Directory -Force -Path $Work | Out-Null
$Icon = Join-Path (Resolve-Path $Work) "gencanvas.png"
& $Python build_scripts\render_icon.py $Icon
if ($LASTEXITCODE -ne 0) { throw "render_icon.py failed" }
$env:GENCANVAS_ICON = $Icon

$Started = Get-Date
& $Python -m PyInstaller --noconfirm --log-level WARN --distpath $Dist --workpath $Work build_scripts\gencanvas.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$Bundle = Join-Path $Dist "gencanvas"
$SizeMB = [math]::Round((Get-ChildItem $Bundle -Recurse -File | Measure-Object Length -Sum).Sum / 1MB)
Write-Host ("bundle: {0} ({1} MB, built in {2:n0} s)" -f $Bundle, $SizeMB, ((Get-Date) - $Started).TotalSeconds)

# Smoke test the frozen app before packaging it (console twin of the GUI exe).
$env:QT_QPA_PLATFORM = "offscreen"
& (Join-Path $Bundle "gencanvas-cli.exe") --self-test
if ($LASTEXITCODE -ne 0) { throw "frozen --self-test failed" }
Remove-Item Env:QT_QPA_PLATFORM

if ($NoInstaller) { exit 0 }
$Version = & $Python -c "import app; print(app.__version__)"
$Iscc = (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found: install it or pass -NoInstaller" }
# Bundles over ~2 GB (CUDA torch) need disk spanning: Setup.exe plus .bin slices.
$Span = if ($SizeMB -gt 1900) { "yes" } else { "no" }
& $Iscc "/DAppVersion=$Version" "/DBundleDir=$(Resolve-Path $Bundle)" "/DOutputDir=$(Resolve-Path $Dist)" `
    "/DDiskSpanning=$Span" build_scripts\gencanvas.iss
if ($LASTEXITCODE -ne 0) { throw "ISCC failed" }

# Signing placeholder: sign the installer (and ideally every .exe/.dll before ISCC) to keep
# SmartScreen and antivirus heuristics quiet, e.g.
#   signtool sign /fd SHA256 /tr http://timestamp.example /td SHA256 /a dist\GenCanvas-$Version-setup.exe
