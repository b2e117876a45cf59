# Windows installer: Inno Setup 6 turns dist\gencanvas\ into
# dist\GenCanvas-<version>-windows-x86_64-<edition>-setup.exe (plus -N.bin slices when the
# bundle is over ~2 GB, which a single Setup.exe cannot hold).
#
#   pwsh -File build_scripts\make_installer_windows.ps1 [-Python .venv\Scripts\python.exe] [-Dist dist]
#
# ISCC.exe is looked up on PATH, then in Inno Setup 6's default folder. Signing (when its
# secrets exist) is sign_windows.ps1, on the bundle before and on the installer after this.
param(
    [string]$Python = ".venv\Scripts\python.exe",
    [string]$Dist = "dist"
)
Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"
$PSNativeCommandUseErrorActionPreference = $true
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

$Bundle = Join-Path $Dist "gencanvas"
if (-not (Test-Path (Join-Path $Bundle "gencanvas.exe"))) { throw "no bundle in ${Bundle}; run build_windows.ps1 first" }
$Version = & $Python build_scripts\bundle_contents.py version
if ($LASTEXITCODE -ne 0) { throw "bundle_contents.py version failed" }
$Stem = & $Python build_scripts\bundle_contents.py artifact-stem
if ($LASTEXITCODE -ne 0) { throw "bundle_contents.py artifact-stem failed" }

$Iscc = Get-Command ISCC.exe -ErrorAction SilentlyContinue | Select-Object -ExpandProperty Source
if (-not $Iscc) { $Iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found (ISCC.exe): install it, e.g. choco install innosetup" }

# A single Setup.exe tops out near 2 GB: larger bundles (CUDA torch) are split into .bin slices.
$SizeMB = [math]::Round((Get-ChildItem $Bundle -Recurse -File | Measure-Object Length -Sum).Sum / 1MB)
$Span = if ($SizeMB -gt 1900) { "yes" } else { "no" }
$Defines = @(
    "/DAppVersion=$Version",
    "/DBundleDir=$((Resolve-Path $Bundle).Path)",
    "/DOutputDir=$((Resolve-Path $Dist).Path)",
    "/DOutputBaseName=$Stem-setup",
    "/DDiskSpanning=$Span"
)
& $Iscc @Defines build_scripts\gencanvas.iss
if ($LASTEXITCODE -ne 0) { throw "ISCC failed" }
Get-ChildItem $Dist -Filter "$Stem-setup*" | ForEach-Object { Write-Host ("installer: {0} ({1:n0} MB)" -f $_.FullName, ($_.Length / 1MB)) }
