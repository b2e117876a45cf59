# Windows: the one-folder bundle dist\gencanvas\ (gencanvas.exe windowed, gencanvas-cli.exe console).
#
#   pwsh -File build_scripts\build_windows.ps1 [-Python .venv\Scripts\python.exe] [-Dist dist] [-Work build]
#
# Needs the app and PyInstaller in the venv (build_scripts\ci_install.ps1). GENCANVAS_EDITION
# (gpu|cpu) names the edition; the spec stops when the installed torch does not match it.
# Then: frozen_self_test.ps1 on dist\gencanvas\gencanvas-cli.exe, make_installer_windows.ps1.
param(
    [string]$Python = ".venv\Scripts\python.exe",
    [string]$Dist = "dist",
    [string]$Work = "build"
)
Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"
$PSNativeCommandUseErrorActionPreference = $true  # PowerShell 7.3+; the $LASTEXITCODE checks cover 5.1
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

# The executable icon: render the SVG once; PyInstaller converts the .png to .ico (needs Pillow).
New-Item -ItemType Directory -Force -Path $Work | Out-Null
$Icon = Join-Path (Resolve-Path $Work).Path "gencanvas.png"
& $Python build_scripts\render_icon.py $Icon
if ($LASTEXITCODE -ne 0) { throw "render_icon.py failed" }
$env:GENCANVAS_ICON = $Icon

$Started = Get-Date
& $Python -m PyInstaller --noconfirm --log-level WARN --distpath $Dist --workpath $Work build_scripts\gencanvas.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$Bundle = Join-Path $Dist "gencanvas"
$SizeMB = [math]::Round((Get-ChildItem $Bundle -Recurse -File | Measure-Object Length -Sum).Sum / 1MB)
Write-Host ("bundle: {0} ({1} MB, built in {2:n0} s)" -f $Bundle, $SizeMB, ((Get-Date) - $Started).TotalSeconds)
