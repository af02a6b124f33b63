<#
.SYNOPSIS
    Build script for the internal PowerShell modules: lint, test, version stamp, package
    and publish to the internal gallery.
.EXAMPLE
    ./build.ps1 -Task Test
.EXAMPLE
    ./build.ps1 -Task Publish -ApiKey $env:GALLERY_KEY
#>
[CmdletBinding()]
param(
    [ValidateSet('Clean', 'Analyze', 'Test', 'Package', 'Publish', 'All')]
    [string[]]$Task = 'All',

    [string]$Configuration = 'Release',

    [string]$ApiKey = $env:GALLERY_KEY,

    [string]$Repository = 'ContosoGallery'
)

$ErrorActionPreference = 'Stop'
Set-Location -Path $PSScriptRoot

$modules = Get-ChildItem -Path (Join-Path $PSScriptRoot 'src') -Directory
$outDir = Join-Path $PSScriptRoot 'out'
$testResults = Join-Path $outDir 'testResults.xml'

function Invoke-Task {
    param([string]$Name, [scriptblock]$Action)
    $line = '-' * 60
    Write-Host $line -ForegroundColor DarkGray
    Write-Host "Task $Name" -ForegroundColor Cyan
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    & $Action
    Write-Host ("Task {0} done in {1:N1}s" -f $Name, $sw.Elapsed.TotalSeconds) -ForegroundColor DarkGray
}

$tasks = [ordered]@{
    Clean   = {
        if (Test-Path $outDir) { Remove-Item -Path $outDir -Recurse -Force }
        New-Item -ItemType Directory -Path $outDir | Out-Null
    }
    Analyze = {
        $settings = Join-Path $PSScriptRoot 'PSScriptAnalyzerSettings.psd1'
        $issues = foreach ($m in $modules) {
            Invoke-ScriptAnalyzer -Path $m.FullName -Recurse -Settings $settings
        }
        $issues | Format-Table RuleName, Severity, ScriptName, Line, Message -AutoSize -Wrap
        $errors = @($issues | Where-Object Severity -eq 'Error')
        if ($errors.Count) { throw "$($errors.Count) analyzer error(s)" }
    }
    Test    = {
        $config = New-PesterConfiguration
        $config.Run.Path = Join-Path $PSScriptRoot 'tests'
        $config.Run.Exit = $false
        $config.Run.PassThru = $true
        $config.TestResult.Enabled = $true
        $config.TestResult.OutputPath = $testResults
        $config.CodeCoverage.Enabled = $true
        $config.CodeCoverage.Path = $modules.FullName
        $config.Output.Verbosity = 'Normal'
        $result = Invoke-Pester -Configuration $config
        if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) test(s) failed" }
        $coverage = [math]::Round($result.CodeCoverage.CoveragePercent, 1)
        Write-Host "Coverage $coverage %"
        if ($coverage -lt 70) { Write-Warning 'Coverage below 70 %' }
    }
    Package = {
        $build = if ($env:BUILD_BUILDID) { [int]$env:BUILD_BUILDID } else { 0 }
        foreach ($m in $modules) {
            $manifestPath = Join-Path $m.FullName "$($m.Name).psd1"
            $manifest = Import-PowerShellDataFile -Path $manifestPath
            $v = [version]$manifest.ModuleVersion
            $newVersion = [version]::new($v.Major, $v.Minor, $v.Build, $build)
            $target = Join-Path $outDir "$($m.Name)\$newVersion"
            Copy-Item -Path $m.FullName -Destination $target -Recurse
            Update-ModuleManifest -Path (Join-Path $target "$($m.Name).psd1") -ModuleVersion $newVersion
            Write-Host "  $($m.Name) $newVersion"
        }
    }
    Publish = {
        if (-not $ApiKey) { throw 'ApiKey is required for Publish' }
        Get-ChildItem -Path $outDir -Directory | ForEach-Object {
            $latest = Get-ChildItem $_.FullName -Directory | Sort-Object { [version]$_.Name } -Descending | Select-Object -First 1
            Publish-Module -Path $latest.FullName -Repository $Repository -NuGetApiKey $ApiKey -Verbose:$false
        }
    }
}

$run = if ($Task -contains 'All') { @('Clean', 'Analyze', 'Test', 'Package') } else { $Task }
foreach ($t in $run) {
    Invoke-Task -Name $t -Action $tasks[$t]
}
