# Make .venv with the app, its test tools and PyInstaller, for one edition (Windows twin of
# ci_install.sh, used by the release workflow's Windows jobs).
#
#   pwsh -File build_scripts\ci_install.ps1 -Edition gpu|cpu
#
# PyPI's Windows torch is CPU-only, so both editions come from PyTorch's own wheel indexes,
# pinned to the version in pyproject.toml: gpu from the CUDA index ($TorchCudaIndex), cpu
# from the CPU index. The CUDA wheels carry their CUDA DLLs inside torch\lib.
param(
    [Parameter(Mandatory = $true)][ValidateSet("gpu", "cpu")][string]$Edition,
    [string]$Python = "python",
    [string]$TorchCudaIndex = "https://download.pytorch.org/whl/cu130",
    [string]$TorchCpuIndex = "https://download.pytorch.org/whl/cpu"
)
Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"
$PSNativeCommandUseErrorActionPreference = $true  # PowerShell 7.3+: a failing native command stops the script
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

function Invoke-Native([string]$What, [scriptblock]$Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE" }
}

$Pin = (Select-String -Path pyproject.toml -Pattern '"(torch==[^"]+)"').Matches[0].Groups[1].Value
$Index = if ($Edition -eq "gpu") { $TorchCudaIndex } else { $TorchCpuIndex }
$VenvPython = Join-Path $Root ".venv\Scripts\python.exe"

Invoke-Native "venv" { & $Python -m venv .venv }
Invoke-Native "pip upgrade" { & $VenvPython -m pip install --quiet --upgrade pip }
Invoke-Native "torch" { & $VenvPython -m pip install --quiet $Pin --index-url $Index }
Invoke-Native "app" { & $VenvPython -m pip install --quiet -e ".[test]" }
Invoke-Native "torch check" { & $VenvPython -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" }
