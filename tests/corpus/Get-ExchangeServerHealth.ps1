<#
.SYNOPSIS
    Exchange 2016 on-premises health summary, run on a mailbox server with the management
    tools installed (snap-in, no remoting).
#>

if (-not (Get-PSSnapin -Name Microsoft.Exchange.Management.PowerShell.SnapIn -ErrorAction SilentlyContinue)) {
    Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn
}

$servers = Get-ExchangeServer | Where-Object { $_.ServerRole -match 'Mailbox' } | Sort-Object Name

$report = foreach ($srv in $servers) {
    $name = $srv.Name
    $svcOk = (Test-ServiceHealth -Server $name | Where-Object { -not $_.RequiredServicesRunning }).Count -eq 0
    $queues = Get-Queue -Server $name -ErrorAction SilentlyContinue | Measure-Object -Property MessageCount -Sum
    $copies = Get-MailboxDatabaseCopyStatus -Server $name
    $unhealthy = @($copies | Where-Object { $_.Status -notin 'Mounted', 'Healthy' -or $_.ContentIndexState -ne 'Healthy' })
    $maxQueue = ($copies | Measure-Object -Property CopyQueueLength -Maximum).Maximum
    $maxReplay = ($copies | Measure-Object -Property ReplayQueueLength -Maximum).Maximum

    $certs = Get-ExchangeCertificate -Server $name | Where-Object { $_.Services -ne 'None' -and $_.NotAfter -lt (Get-Date).AddDays(45) }

    [PSCustomObject]@{
        Server          = $name
        Version         = $srv.AdminDisplayVersion
        Services        = if ($svcOk) { 'OK' } else { 'FAIL' }
        QueueTotal      = [int]$queues.Sum
        DbCopies        = $copies.Count
        UnhealthyCopies = $unhealthy.Count
        MaxCopyQueue    = $maxQueue
        MaxReplayQueue  = $maxReplay
        ExpiringCerts   = (@($certs) | ForEach-Object { '{0} ({1:yyyy-MM-dd})' -f $_.Subject, $_.NotAfter }) -join '; '
    }
}

$report | Format-Table -AutoSize
$dag = Get-DatabaseAvailabilityGroup -Status
foreach ($d in $dag) {
    "DAG {0}: {1} members, witness {2} ({3})" -f $d.Name, $d.Servers.Count, $d.WitnessServer, $d.WitnessShareInUse
}
