<#
.SYNOPSIS
    Pings a large list of hosts with a runspace pool (works on Windows PowerShell 5.1,
    where ForEach-Object -Parallel does not exist).
#>
param(
    [Parameter(Mandatory, ValueFromPipeline)]
    [string[]]$Target,
    [ValidateRange(1, 64)]
    [int]$Threads = 32,
    [int]$TimeoutMs = 1000
)

begin {
    $pool = [runspacefactory]::CreateRunspacePool(1, $Threads)
    $pool.ApartmentState = 'MTA'
    $pool.Open()
    $jobs = [System.Collections.Generic.List[object]]::new()

    $worker = {
        param($HostName, $Timeout)
        $ping = [System.Net.NetworkInformation.Ping]::new()
        try {
            $reply = $ping.Send($HostName, $Timeout)
            [PSCustomObject]@{
                Host    = $HostName
                Status  = [string]$reply.Status
                Address = [string]$reply.Address
                RttMs   = if ($reply.Status -eq 'Success') { $reply.RoundtripTime } else { $null }
            }
        }
        catch [System.Net.NetworkInformation.PingException] {
            [PSCustomObject]@{ Host = $HostName; Status = 'NoSuchHost'; Address = $null; RttMs = $null }
        }
        finally {
            $ping.Dispose()
        }
    }
}

process {
    foreach ($t in $Target) {
        $ps = [powershell]::Create().AddScript($worker).AddArgument($t).AddArgument($TimeoutMs)
        $ps.RunspacePool = $pool
        $jobs.Add([PSCustomObject]@{ Shell = $ps; Handle = $ps.BeginInvoke(); Host = $t })
    }
}

end {
    $done = 0
    while ($jobs.Count -gt 0) {
        $finished = @($jobs | Where-Object { $_.Handle.IsCompleted })
        foreach ($j in $finished) {
            $j.Shell.EndInvoke($j.Handle)
            $j.Shell.Dispose()
            [void]$jobs.Remove($j)
            $done++
        }
        if ($finished.Count -eq 0) { Start-Sleep -Milliseconds 100 }
        Write-Progress -Activity 'Pinging' -Status "$done done, $($jobs.Count) pending" -PercentComplete ($done / ($done + $jobs.Count) * 100)
    }
    Write-Progress -Activity 'Pinging' -Completed
    $pool.Close()
    $pool.Dispose()
}
