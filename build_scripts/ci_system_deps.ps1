# A fresh Windows CI runner's system side, before ci_install.ps1: Inno Setup 6.3+ for
# make_installer_windows.ps1 (installed with Chocolatey when ISCC.exe is not already there).
#
#   pwsh -File build_scripts\ci_system_deps.ps1
Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"
$PSNativeCommandUseErrorActionPreference = $true

$Iscc = Get-Command ISCC.exe -ErrorAction SilentlyContinue
$Default = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"
if (-not $Iscc -and -not (Test-Path $Default)) {
    choco install innosetup --yes --no-progress
    if ($LASTEXITCODE -ne 0) { throw "choco install innosetup failed" }
}
Get-PSDrive -PSProvider FileSystem | Format-Table -AutoSize | Out-String | Write-Host
