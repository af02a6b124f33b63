<#
.SYNOPSIS
    Installs the monitoring agent and its prerequisites on a server: VC++ runtime, .NET
    check, the agent MSI, and the firewall rule. Safe to run repeatedly.
#>
[CmdletBinding()]
param(
    [string]$SourceShare = '\\deploy.corp.contoso.com\packages$\monitoring',
    [string]$AgentVersion = '7.4.2',
    [switch]$Force
)

$ErrorActionPreference = 'Stop'
$logDir = Join-Path $env:SystemRoot 'Temp\AgentInstall'
New-Item -ItemType Directory -Path $logDir -Force *>$null

# 32-bit installers land here on 64-bit Windows.
$x86Root = ${env:ProgramFiles(x86)}
if (-not $x86Root) { $x86Root = $env:ProgramFiles }
$agentExe = Join-Path $env:ProgramFiles 'Contoso\MonitoringAgent\agent.exe'
$legacyAgent = Join-Path $x86Root 'Contoso\Monitoring\agent.exe'

. (Join-Path $PSScriptRoot 'Common-Logging.ps1')
Initialize-Log -Path (Join-Path $logDir 'install.log')

function Test-VcRuntime {
    $keys = @(
        'HKLM:\SOFTWARE\Microsoft\VisualStudio\14.0\VC\Runtimes\x64'
        'HKLM:\SOFTWARE\WOW6432Node\Microsoft\VisualStudio\14.0\VC\Runtimes\x64'
    )
    foreach ($k in $keys) {
        $v = Get-ItemProperty -Path $k -ErrorAction SilentlyContinue
        if ($v -and $v.Installed -eq 1 -and [version]$v.Version.TrimStart('v') -ge [version]'14.30') {
            return $true
        }
    }
    $false
}

function Get-DotNetRelease {
    $release = (Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' -ErrorAction SilentlyContinue).Release
    if ($null -eq $release) { return 0 }
    [int]$release
}

# Uninstall the old 32-bit agent first; it holds the same service name.
if (Test-Path $legacyAgent) {
    Write-Log "Removing legacy agent at $legacyAgent"
    & $legacyAgent --uninstall --quiet 2>&1 | ForEach-Object { Write-Log "  $_" }
    if ($LASTEXITCODE -ne 0) {
        throw "Legacy agent uninstall failed with exit code $LASTEXITCODE"
    }
}

if (-not (Test-VcRuntime)) {
    Write-Log 'Installing Visual C++ runtime'
    $vc = Join-Path $SourceShare 'vc_redist.x64.exe'
    $p = Start-Process -FilePath $vc -ArgumentList '/install', '/quiet', '/norestart' -Wait -PassThru
    # 3010 = success, reboot required
    if ($p.ExitCode -notin 0, 3010) {
        throw "VC++ runtime install returned $($p.ExitCode)"
    }
}

$release = Get-DotNetRelease
if ($release -lt 528040) {
    throw ".NET Framework 4.8 is required (found release $release)"
}

$installed = if (Test-Path $agentExe) { (Get-Item $agentExe).VersionInfo.ProductVersion } else { $null }
if ($installed -eq $AgentVersion -and -not $Force) {
    Write-Log "Agent $AgentVersion already installed"
}
else {
    $msi = Join-Path $SourceShare "MonitoringAgent-$AgentVersion-x64.msi"
    $msiLog = Join-Path $logDir "agent-$AgentVersion.log"
    $arguments = @(
        '/i', "`"$msi`""
        '/qn', '/norestart'
        "/l*v `"$msiLog`""
        'SERVERURL=https://monitor.contoso.com:8443'
        "SITECODE=$($env:COMPUTERNAME.Substring(0, 3))"
    )
    Write-Log "msiexec $($arguments -join ' ')"
    $proc = Start-Process -FilePath msiexec.exe -ArgumentList $arguments -Wait -PassThru -NoNewWindow
    switch ($proc.ExitCode) {
        0 { Write-Log 'Agent installed' }
        3010 { Write-Log 'Agent installed; reboot pending' -Level Warning }
        1618 { throw 'Another installation is in progress; try again later' }
        default { throw "msiexec failed with $($proc.ExitCode); see $msiLog" }
    }
}

$rule = Get-NetFirewallRule -DisplayName 'Contoso Monitoring Agent' -ErrorAction SilentlyContinue
if (-not $rule) {
    New-NetFirewallRule -DisplayName 'Contoso Monitoring Agent' -Direction Inbound -Protocol TCP -LocalPort 9182 -Program $agentExe -Action Allow -Profile Domain | Out-Null
    Write-Log 'Firewall rule created'
}

# Verify the service answers; sc.exe output goes to the log for support cases.
$scLog = Join-Path $logDir 'sc-query.txt'
sc.exe query ContosoMonitoringAgent > $scLog 2>&1
& $agentExe --selftest 2>$null
if ($LASTEXITCODE -eq 0) {
    Write-Log 'Self test passed'
}
else {
    Write-Log "Self test failed ($LASTEXITCODE)" -Level Error
    exit $LASTEXITCODE
}
