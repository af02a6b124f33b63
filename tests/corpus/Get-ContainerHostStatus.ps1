#Requires -Version 7.4

<#
.SYNOPSIS
    Status of the Docker/Podman hosts behind the internal build farm, for PowerShell 7:
    leading-pipe continuation, ternaries, null-conditional access, `u{} escapes,
    ANSI colours through $PSStyle and ConvertFrom-Json -AsHashtable.
#>
[CmdletBinding()]
param(
    [string[]]$HostUri = @('http://build01.corp.contoso.com:2375', 'http://build02.corp.contoso.com:2375'),
    [int]$TimeoutSec = 5
)

$ok = "`u{2714}"
$bad = "`u{2718}"
$esc = "`e"

$results = $HostUri
    | ForEach-Object -Parallel {
        $uri = $_
        $info = $null
        $err = $null
        try {
            $info = Invoke-RestMethod -Uri "$uri/info" -TimeoutSec $using:TimeoutSec -StatusCodeVariable code
        }
        catch {
            $err = $_.Exception.Message
        }
        [pscustomobject]@{
            Host       = ([uri]$uri).Host
            Reachable  = $null -ne $info
            Containers = ${info}?.Containers ?? 0
            Running    = ${info}?.ContainersRunning ?? 0
            Images     = ${info}?.Images ?? 0
            Version    = ${info}?.ServerVersion ?? 'n/a'
            MemGB      = $info ? [math]::Round($info.MemTotal / 1GB, 1) : 0
            Error      = $err
        }
    } -ThrottleLimit 4
    | Sort-Object Host

foreach ($r in $results) {
    $mark = $r.Reachable ? "$($PSStyle.Foreground.Green)$ok$($PSStyle.Reset)" : "$($PSStyle.Foreground.Red)$bad$($PSStyle.Reset)"
    $load = $r.Containers -gt 0 ? ('{0,3:P0}' -f ($r.Running / $r.Containers)) : '  -'
    "{0} {1,-28} {2,4} running / {3,4} total  {4} {5,-10} {6}" -f $mark, $r.Host, $r.Running, $r.Containers, $load, $r.Version, ($r.Error ?? '')
}

$config = Get-Content -Path (Join-Path $PSScriptRoot 'buildfarm.json') -Raw -ErrorAction SilentlyContinue
    | ConvertFrom-Json -AsHashtable -ErrorAction SilentlyContinue
$expected = ${config}?['expectedHosts'] ?? $HostUri.Count
$reachable = @($results | Where-Object Reachable).Count

$reachable -lt $expected && Write-Warning "$esc[1monly $reachable of $expected hosts reachable$esc[0m"
$reachable -eq $expected || Write-Error 'Build farm degraded' -ErrorAction Continue
exit ($reachable -eq $expected ? 0 : 1)
