# Run the frozen Windows bundle's --self-test headless in a scratch home (twin of frozen_self_test.sh).
#
#   pwsh -File build_scripts\frozen_self_test.ps1 dist\gencanvas\gencanvas-cli.exe
#
# The console twin gencanvas-cli.exe is used: the windowed gencanvas.exe has no stdout.
param([Parameter(Mandatory = $true)][string]$Executable)
Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"

$Exe = (Resolve-Path $Executable).Path
$Scratch = Join-Path ([System.IO.Path]::GetTempPath()) ("gencanvas-selftest-" + [guid]::NewGuid().ToString("N"))
New-Item -ItemType Directory -Force -Path (Join-Path $Scratch "home"), (Join-Path $Scratch "tmp") | Out-Null
$Saved = @{}
$Vars = @{ QT_QPA_PLATFORM = "offscreen"; GENCANVAS_HOME = (Join-Path $Scratch "home"); PYTHONPATH = "";
          TEMP = (Join-Path $Scratch "tmp"); TMP = (Join-Path $Scratch "tmp") }
try {
    foreach ($Name in $Vars.Keys) {
        $Saved[$Name] = [Environment]::GetEnvironmentVariable($Name)
        [Environment]::SetEnvironmentVariable($Name, $Vars[$Name])
    }
    Push-Location $Scratch
    try {
        # The app logs to stderr; under "Stop", Windows PowerShell 5.1 would turn the first
        # stderr line of a native command into a terminating error, so judge by exit code.
        $ErrorActionPreference = "Continue"
        $Output = & $Exe --self-test 2>&1 | ForEach-Object { "$_" }
        $Status = $LASTEXITCODE
        $ErrorActionPreference = "Stop"
    } finally {
        Pop-Location
    }
    $Output | Write-Host
    if ($Status -ne 0) { throw "frozen self-test exited with $Status" }
    if (-not ($Output -match "self-test passed")) { throw "frozen self-test did not report success" }
    if ($Output -match "FAIL") { throw "frozen self-test reported a failure" }
    Write-Host "frozen self-test passed: $Exe"
} finally {
    foreach ($Name in $Saved.Keys) { [Environment]::SetEnvironmentVariable($Name, $Saved[$Name]) }
    Remove-Item -Recurse -Force $Scratch -ErrorAction SilentlyContinue
}
