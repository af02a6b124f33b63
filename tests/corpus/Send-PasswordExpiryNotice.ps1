<#
.SYNOPSIS
    Emails users whose AD password expires within the next days. Runs daily at 07:00.
#>
#Requires -Modules ActiveDirectory
param(
    [int[]]$NotifyDays = @(14, 7, 3, 1),
    [string]$SmtpServer = 'smtp-relay.contoso.com',
    [string]$From = 'IT Service Desk <servicedesk@contoso.com>',
    [switch]$TestMode,
    [string]$TestRecipient = 'itops@contoso.com'
)

$maxAge = (Get-ADDefaultDomainPasswordPolicy).MaxPasswordAge
$today = (Get-Date).Date

$template = @'
<html>
<body style="font-family: Segoe UI, Arial; font-size: 10pt;">
<p>Hello {0},</p>
<p>Your Contoso password expires in <b>{1} day(s)</b>, on {2:dddd d MMMM}.</p>
<p>Change it now: press <b>Ctrl+Alt+Del</b> and choose <i>Change a password</i>, or go to
<a href="https://passwordreset.microsoftonline.com">passwordreset.microsoftonline.com</a> when working remotely.</p>
<p>Requirements: at least 14 characters, not one of your last 12 passwords.</p>
<p>IT Service Desk &middot; +31 20 555 0100</p>
</body>
</html>
'@

$users = Get-ADUser -Filter { Enabled -eq $true -and PasswordNeverExpires -eq $false -and PasswordLastSet -gt 0 } `
    -Properties PasswordLastSet, EmailAddress, GivenName, 'msDS-UserPasswordExpiryTimeComputed' |
    Where-Object { $_.EmailAddress }

$sent = 0
foreach ($u in $users) {
    # 0x7FFFFFFFFFFFFFFF means "never"; FromFileTime would throw on it.
    if ($u.'msDS-UserPasswordExpiryTimeComputed' -eq 0x7FFFFFFFFFFFFFFF) { continue }
    $expires = [datetime]::FromFileTime($u.'msDS-UserPasswordExpiryTimeComputed')
    $daysLeft = ($expires.Date - $today).Days
    if ($daysLeft -notin $NotifyDays) { continue }

    $body = $template -f $u.GivenName, $daysLeft, $expires
    $to = if ($TestMode) { $TestRecipient } else { $u.EmailAddress }
    $priority = if ($daysLeft -le 3) { 'High' } else { 'Normal' }
    Send-MailMessage -SmtpServer $SmtpServer -From $From -To $to -Subject "Your password expires in $daysLeft day(s)" -Body $body -BodyAsHtml -Priority $priority -Encoding UTF8
    $sent++
}
Write-Output "Max password age $($maxAge.Days) days; $sent notice(s) sent."
