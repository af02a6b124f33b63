# EventLogFilters.ps1
# Pipeline filters for security event triage. Dot-source, then for example:
#   Get-WinEvent -FilterHashtable @{ LogName = 'Security'; Id = 4625 } -MaxEvents 5000 |
#       ConvertFrom-EventXml | Select-FailedLogon | Group-Object IpAddress | Sort-Object Count -Descending

filter ConvertFrom-EventXml {
    $xml = [xml]$_.ToXml()
    $data = [ordered]@{
        TimeCreated = $_.TimeCreated
        Id          = $_.Id
        Computer    = $_.MachineName
    }
    foreach ($d in $xml.Event.EventData.Data) {
        $data[$d.Name] = $d.'#text'
    }
    [PSCustomObject]$data
}

filter Select-FailedLogon {
    # 0xC000006A = bad password, 0xC0000064 = unknown user, 0xC0000234 = locked out
    $reasons = @{
        '0xc000006a' = 'BadPassword'
        '0xc0000064' = 'UnknownUser'
        '0xc0000234' = 'LockedOut'
        '0xc0000072' = 'Disabled'
        '0xc000006f' = 'OutsideHours'
    }
    if ($_.Id -eq 4625) {
        $status = ([string]$_.SubStatus).ToLower()
        [PSCustomObject]@{
            Time      = $_.TimeCreated
            User      = '{0}\{1}' -f $_.TargetDomainName, $_.TargetUserName
            IpAddress = $_.IpAddress
            Workstation = $_.WorkstationName
            LogonType = [int]$_.LogonType
            Reason    = if ($reasons.ContainsKey($status)) { $reasons[$status] } else { $status }
        }
    }
}

filter Where-OutsideBusinessHours {
    param([int]$Start = 7, [int]$End = 19)
    $h = $_.Time.Hour
    if ($h -lt $Start -or $h -ge $End -or $_.Time.DayOfWeek -in 'Saturday', 'Sunday') { $_ }
}

function Get-BruteForceCandidates {
    [CmdletBinding()]
    param(
        [int]$Threshold = 20,
        [int]$Hours = 24,
        [string[]]$ComputerName = @($env:COMPUTERNAME)
    )
    $filter = @{
        LogName   = 'Security'
        Id        = 4625
        StartTime = (Get-Date).AddHours(-$Hours)
    }
    $events = foreach ($c in $ComputerName) {
        try {
            Get-WinEvent -ComputerName $c -FilterHashtable $filter -ErrorAction Stop
        }
        catch [System.Diagnostics.Eventing.Reader.EventLogException] {
            Write-Warning "${c}: $($_.Exception.Message)"
        }
        catch {
            if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { throw }
        }
    }
    $events | ConvertFrom-EventXml | Select-FailedLogon |
        Group-Object IpAddress |
        Where-Object Count -ge $Threshold |
        Sort-Object Count -Descending |
        Select-Object @{ n = 'IpAddress'; e = { $_.Name } }, Count,
            @{ n = 'Users'; e = { ($_.Group.User | Sort-Object -Unique) -join ', ' } },
            @{ n = 'First'; e = { ($_.Group.Time | Measure-Object -Minimum).Minimum } },
            @{ n = 'Last'; e = { ($_.Group.Time | Measure-Object -Maximum).Maximum } }
}
