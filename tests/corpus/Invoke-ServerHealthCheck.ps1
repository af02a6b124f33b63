<#
.SYNOPSIS
    Morning health check for the Windows estate: disk, services, pending reboots, certificate
    expiry and web endpoints, collected in parallel and rendered as one HTML page.
.DESCRIPTION
    Remote data is gathered with Invoke-Command over WinRM (one fan-out call, throttled).
    HTTP checks run locally. On PowerShell 7 the HTTP checks use ForEach-Object -Parallel;
    on Windows PowerShell 5.1 they fall back to runspace jobs.
.PARAMETER ComputerName
    Servers to check. Defaults to the list in servers.txt next to the script.
.PARAMETER Url
    Endpoints that must answer 200 within the timeout.
.PARAMETER Report
    Where to write the HTML report.
.EXAMPLE
    .\Invoke-ServerHealthCheck.ps1 -ComputerName web01,web02 -Url https://intranet.contoso.com
#>
[CmdletBinding()]
param(
    [Parameter(ValueFromPipeline)]
    [string[]]$ComputerName = (Get-Content -Path (Join-Path $PSScriptRoot 'servers.txt') -ErrorAction SilentlyContinue),

    [uri[]]$Url = @('https://intranet.contoso.com/health', 'https://mail.contoso.com/owa/healthcheck.htm'),

    [string]$Report = (Join-Path $env:TEMP ('health-{0:yyyyMMdd-HHmm}.html' -f (Get-Date))),

    [ValidateRange(1, 100)]
    [int]$DiskWarnPercent = 15,

    [ValidateRange(1, 365)]
    [int]$CertWarnDays = 30,

    [int]$ThrottleLimit = 16,

    [pscredential]$Credential
)

begin {
    $allComputers = [System.Collections.Generic.List[string]]::new()
    $requiredServices = @('W32Time', 'WinRM', 'EventLog', 'Netlogon')
    $timeoutSec = 10
    $script:problems = 0

    trap [System.Management.Automation.Remoting.PSRemotingTransportException] {
        Write-Warning "Remoting failure: $($_.Exception.Message)"
        $script:problems++
        continue
    }
}

process {
    foreach ($c in $ComputerName) {
        if ($c -and $c.Trim() -notmatch '^\s*#') {
            $allComputers.Add($c.Trim())
        }
    }
}

end {
    if ($allComputers.Count -eq 0) {
        throw 'No computers to check. Pass -ComputerName or create servers.txt.'
    }

    $remoteCheck = {
        param([string[]]$Services, [int]$CertDays)

        $os = Get-CimInstance -ClassName Win32_OperatingSystem
        $disks = Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType = 3' | ForEach-Object {
            [PSCustomObject]@{
                Drive       = $_.DeviceID
                SizeGB      = [math]::Round($_.Size / 1GB, 1)
                FreeGB      = [math]::Round($_.FreeSpace / 1GB, 1)
                FreePercent = if ($_.Size) { [math]::Round(100 * $_.FreeSpace / $_.Size, 1) } else { 0 }
            }
        }

        $svc = foreach ($name in $Services) {
            $s = Get-Service -Name $name -ErrorAction SilentlyContinue
            [PSCustomObject]@{
                Name   = $name
                Status = if ($s) { [string]$s.Status } else { 'Missing' }
            }
        }

        $pending = $false
        $keys = @(
            'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
            'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
        )
        foreach ($k in $keys) {
            if (Test-Path -Path $k) { $pending = $true }
        }
        $pfro = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
        if ($pfro) { $pending = $true }

        $limit = (Get-Date).AddDays($CertDays)
        $certs = Get-ChildItem -Path Cert:\LocalMachine\My |
            Where-Object { $_.NotAfter -lt $limit -and $_.HasPrivateKey } |
            Select-Object Subject, Thumbprint, NotAfter

        [PSCustomObject]@{
            Computer      = $env:COMPUTERNAME
            OS            = $os.Caption
            UptimeDays    = [math]::Round(((Get-Date) - $os.LastBootUpTime).TotalDays, 1)
            MemoryFreePct = [math]::Round(100 * $os.FreePhysicalMemory / $os.TotalVisibleMemorySize, 1)
            Disks         = $disks
            Services      = $svc
            RebootPending = $pending
            ExpiringCerts = @($certs)
        }
    }

    $icm = @{
        ComputerName  = $allComputers
        ScriptBlock   = $remoteCheck
        ArgumentList  = $requiredServices, $CertWarnDays
        ThrottleLimit = $ThrottleLimit
        ErrorAction   = 'SilentlyContinue'
        ErrorVariable = 'remoteErrors'
    }
    if ($Credential) { $icm.Credential = $Credential }

    Write-Verbose "Querying $($allComputers.Count) computers"
    $results = Invoke-Command @icm
    $unreachable = $allComputers | Where-Object { $_ -notin $results.PSComputerName }

    foreach ($e in $remoteErrors) {
        Write-Verbose ("{0}: {1}" -f $e.TargetObject, $e.Exception.Message)
    }

    # HTTP checks.
    $httpCheck = {
        param([uri]$Target, [int]$Timeout)
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            $req = [System.Net.HttpWebRequest]::Create($Target)
            $req.Timeout = $Timeout * 1000
            $req.AllowAutoRedirect = $false
            $resp = $req.GetResponse()
            $code = [int]$resp.StatusCode
            $resp.Close()
            $err = $null
        }
        catch [System.Net.WebException] {
            $code = if ($_.Exception.Response) { [int]$_.Exception.Response.StatusCode } else { 0 }
            $err = $_.Exception.Status.ToString()
        }
        catch {
            $code = 0
            $err = $_.Exception.Message
        }
        finally {
            $sw.Stop()
        }
        [PSCustomObject]@{
            Url     = $Target.AbsoluteUri
            Status  = $code
            Ms      = $sw.ElapsedMilliseconds
            Error   = $err
            Healthy = ($code -eq 200)
        }
    }

    if ($PSVersionTable.PSVersion.Major -ge 7) {
        # Script blocks cannot cross runspaces, so pass the source text instead.
        $httpCheckText = $httpCheck.ToString()
        $web = $Url | ForEach-Object -Parallel {
            $check = [scriptblock]::Create($using:httpCheckText)
            & $check $_ $using:timeoutSec
        } -ThrottleLimit 8
    }
    else {
        $jobs = foreach ($u in $Url) {
            Start-Job -ScriptBlock $httpCheck -ArgumentList $u, $timeoutSec
        }
        $web = $jobs | Wait-Job -Timeout ($timeoutSec * 3) | Receive-Job
        $jobs | Remove-Job -Force *>$null
    }

    # Build the report.
    $css = @'
<style>
body { font-family: Segoe UI, sans-serif; font-size: 9pt; }
table { border-collapse: collapse; margin-bottom: 16px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; }
th { background: #333; color: #fff; }
.bad { background: #f4cccc; }
.ok  { background: #d9ead3; }
</style>
'@

    $diskRows = foreach ($r in $results) {
        foreach ($d in $r.Disks) {
            [PSCustomObject]@{
                Computer = $r.PSComputerName
                Drive    = $d.Drive
                SizeGB   = $d.SizeGB
                FreeGB   = $d.FreeGB
                FreePct  = $d.FreePercent
                State    = if ($d.FreePercent -lt $DiskWarnPercent) { 'LOW' } else { 'ok' }
            }
        }
    }
    $serviceRows = foreach ($r in $results) {
        $r.Services | Where-Object Status -ne 'Running' | ForEach-Object {
            [PSCustomObject]@{ Computer = $r.PSComputerName; Service = $_.Name; Status = $_.Status }
        }
    }
    $certRows = foreach ($r in $results) {
        foreach ($cert in $r.ExpiringCerts) {
            [PSCustomObject]@{
                Computer   = $r.PSComputerName
                Subject    = $cert.Subject
                Thumbprint = $cert.Thumbprint
                Expires    = $cert.NotAfter.ToString('yyyy-MM-dd')
                DaysLeft   = [int]($cert.NotAfter - (Get-Date)).TotalDays
            }
        }
    }
    $summaryRows = $results | Sort-Object PSComputerName | Select-Object @{ n = 'Computer'; e = { $_.PSComputerName } }, OS, UptimeDays, MemoryFreePct, RebootPending

    $script:problems += @($diskRows | Where-Object State -eq 'LOW').Count
    $script:problems += @($serviceRows).Count + @($certRows).Count + @($unreachable).Count
    $script:problems += @($web | Where-Object { -not $_.Healthy }).Count

    $body = [System.Text.StringBuilder]::new()
    [void]$body.AppendLine("<h1>Health check $(Get-Date -Format 'yyyy-MM-dd HH:mm')</h1>")
    [void]$body.AppendLine("<p>$($allComputers.Count) servers, $($script:problems) problem(s).</p>")
    if ($unreachable) {
        [void]$body.AppendLine('<h2>Unreachable</h2><p class="bad">' + ($unreachable -join ', ') + '</p>')
    }
    $sections = [ordered]@{
        'Servers'             = $summaryRows
        'Disks'               = $diskRows
        'Stopped services'    = $serviceRows
        'Expiring certificates' = $certRows
        'Web endpoints'       = $web | Select-Object Url, Status, Ms, Error
    }
    foreach ($title in $sections.Keys) {
        $data = $sections[$title]
        if (-not $data) { continue }
        $html = $data | ConvertTo-Html -Fragment -PreContent "<h2>$title</h2>"
        $html = $html -replace '<td>LOW</td>', '<td class="bad">LOW</td>' -replace '<td>True</td>', '<td class="bad">True</td>'
        [void]$body.AppendLine(($html -join "`n"))
    }

    ConvertTo-Html -Head $css -Body $body.ToString() -Title 'Health check' | Set-Content -Path $Report -Encoding UTF8
    Write-Host "Report: $Report"

    if ($script:problems -gt 0) {
        Write-Warning "$($script:problems) problem(s) found"
        exit 1
    }
}
