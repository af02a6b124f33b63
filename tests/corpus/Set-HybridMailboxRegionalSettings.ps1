# Applies language, time zone and date format to newly migrated mailboxes, reading the
# office location from on-premises AD. Mixed on-prem/online script: the on-premises
# Exchange session is imported with a prefix so the two Get-Mailbox never collide.

$OnPremServer = 'exch01.corp.contoso.com'
$Cred = Get-Credential -Message 'Office 365 admin'

$onPrem = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "http://$OnPremServer/PowerShell/" -Authentication Kerberos
Import-PSSession $onPrem -Prefix OnPrem -CommandName Get-RemoteMailbox, Get-User -AllowClobber | Out-Null

$cloud = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://ps.outlook.com/powershell/ -Credential $Cred -Authentication Basic -AllowRedirection
Import-PSSession $cloud -AllowClobber | Out-Null

$regional = @{
    'Amsterdam' = @{ Language = 'nl-NL'; TimeZone = 'W. Europe Standard Time'; DateFormat = 'd-M-yyyy'; TimeFormat = 'HH:mm' }
    'London'    = @{ Language = 'en-GB'; TimeZone = 'GMT Standard Time'; DateFormat = 'dd/MM/yyyy'; TimeFormat = 'HH:mm' }
    'New York'  = @{ Language = 'en-US'; TimeZone = 'Eastern Standard Time'; DateFormat = 'M/d/yyyy'; TimeFormat = 'h:mm tt' }
    'Munich'    = @{ Language = 'de-DE'; TimeZone = 'W. Europe Standard Time'; DateFormat = 'dd.MM.yyyy'; TimeFormat = 'HH:mm' }
}

$since = (Get-Date).AddDays(-2)
$migrated = Get-OnPremRemoteMailbox -ResultSize Unlimited | Where-Object { $_.WhenChanged -gt $since }

foreach ($rm in $migrated) {
    $office = (Get-OnPremUser -Identity $rm.Identity).Office
    if (-not $regional.ContainsKey($office)) {
        Write-Warning "$($rm.PrimarySmtpAddress): no regional profile for office '$office'"
        continue
    }
    $r = $regional[$office]
    Set-MailboxRegionalConfiguration -Identity $rm.PrimarySmtpAddress.ToString() -Language $r.Language -TimeZone $r.TimeZone `
        -DateFormat $r.DateFormat -TimeFormat $r.TimeFormat -LocalizeDefaultFolderName
    Write-Host "$($rm.PrimarySmtpAddress): $office -> $($r.Language)"
}

Remove-PSSession $cloud
Remove-PSSession $onPrem
