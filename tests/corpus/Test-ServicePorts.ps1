# Quick reachability matrix for the ports a new site needs. Output is a table of
# source -> target:port with Open/Closed, run from each site's jump host.

$targets = @(
    @{ Host = 'dc01.corp.contoso.com'; Ports = 53, 88, 135, 389, 445, 464, 636, 3268, 3269 }
    @{ Host = 'exch01.corp.contoso.com'; Ports = 25, 80, 443, 587 }
    @{ Host = 'outlook.office365.com'; Ports = , 443 }
    @{ Host = 'smtp-relay.contoso.com'; Ports = 25, 587 }
    @{ Host = 'wsus.corp.contoso.com'; Ports = 8530, 8531 }
)

function Test-TcpPort {
    param([string]$HostName, [int]$Port, [int]$TimeoutMs = 1500)
    $tcp = New-Object System.Net.Sockets.TcpClient
    try {
        $task = $tcp.ConnectAsync($HostName, $Port)
        if ($task.Wait($TimeoutMs)) { return $tcp.Connected }
        return $false
    }
    catch {
        return $false
    }
    finally {
        $tcp.Close()
    }
}

$results = foreach ($t in $targets) {
    $resolved = $null
    try { $resolved = [System.Net.Dns]::GetHostAddresses($t.Host) | Select-Object -First 1 } catch { }
    foreach ($p in $t.Ports) {
        [PSCustomObject]@{
            Source = $env:COMPUTERNAME
            Target = $t.Host
            IP     = if ($resolved) { $resolved.IPAddressToString } else { 'unresolved' }
            Port   = $p
            State  = if ($resolved -and (Test-TcpPort -HostName $t.Host -Port $p)) { 'Open' } else { 'Closed' }
        }
    }
}

$results | Format-Table -GroupBy Target Port, IP, State -AutoSize
$closed = @($results | Where-Object State -eq 'Closed')
"{0} of {1} checks failed" -f $closed.Count, $results.Count
if ($closed.Count) { exit 1 }
