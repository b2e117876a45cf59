# Authenticode-sign executables and DLLs (run only when the signing secrets exist): first the
# bundle's files, before the installer is made, then the installer. The certificate comes as a
# base64 .pfx in the environment:
#   GENCANVAS_WIN_CERT_PFX_BASE64, GENCANVAS_WIN_CERT_PASSWORD
#   GENCANVAS_TIMESTAMP_URL (RFC 3161 server of the certificate's vendor)
#
#   pwsh -File build_scripts\sign_windows.ps1 dist\gencanvas            (a folder: every .exe/.dll/.pyd in it)
#   pwsh -File build_scripts\sign_windows.ps1 dist\GenCanvas-*-setup.exe
#
# Signed binaries keep SmartScreen and antivirus heuristics quieter.
param([Parameter(Mandatory = $true)][string]$Path)
Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"
$PSNativeCommandUseErrorActionPreference = $true

foreach ($Name in "GENCANVAS_WIN_CERT_PFX_BASE64", "GENCANVAS_WIN_CERT_PASSWORD", "GENCANVAS_TIMESTAMP_URL") {
    if (-not [Environment]::GetEnvironmentVariable($Name)) { throw "$Name is not set" }
}
$SignTool = Get-Command signtool.exe -ErrorAction SilentlyContinue | Select-Object -ExpandProperty Source
if (-not $SignTool) {
    # The Windows SDK's newest x64 signtool (present on GitHub's Windows images).
    $SignTool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
        Sort-Object FullName -Descending | Select-Object -First 1 -ExpandProperty FullName
}
if (-not $SignTool) { throw "signtool.exe not found (Windows SDK)" }

$Pfx = Join-Path ([System.IO.Path]::GetTempPath()) ("gencanvas-" + [guid]::NewGuid().ToString("N") + ".pfx")
try {
    [System.IO.File]::WriteAllBytes($Pfx, [Convert]::FromBase64String($env:GENCANVAS_WIN_CERT_PFX_BASE64))
    $Files = @(Get-ChildItem $Path -Recurse -File -Include *.exe, *.dll, *.pyd | Select-Object -ExpandProperty FullName)
    if ($Files.Count -eq 0) { throw "nothing to sign in $Path" }
    # signtool takes many files per call; batches keep the command line short.
    for ($i = 0; $i -lt $Files.Count; $i += 50) {
        $Batch = $Files[$i..([math]::Min($i + 49, $Files.Count - 1))]
        & $SignTool sign /fd SHA256 /td SHA256 /tr $env:GENCANVAS_TIMESTAMP_URL /f $Pfx /p $env:GENCANVAS_WIN_CERT_PASSWORD @Batch
        if ($LASTEXITCODE -ne 0) { throw "signtool failed" }
    }
    Write-Host "signed $($Files.Count) files in $Path"
} finally {
    Remove-Item -Force $Pfx -ErrorAction SilentlyContinue
}
