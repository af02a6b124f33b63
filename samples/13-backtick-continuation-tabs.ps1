# 13-backtick-continuation-tabs.ps1
# Demonstrates: New-PSSession split over backtick continuation lines, indented
# with tabs (the whole file uses tabs), a -SessionOption for a proxy, and an
# import restricted with -Prefix and -CommandName.

param(
	[switch]$UseProxy
)

if ($UseProxy) {
	$proxyOpt = New-PSSessionOption -ProxyAccessType IEConfig -ProxyAuthentication Negotiate
}
else {
	$proxyOpt = New-PSSessionOption -IdleTimeoutMSec (30 * 60000)
}

$svc = Get-Credential -UserName 'svc-calendar@contoso.com' -Message 'Calendar service account'

$exoSession = New-PSSession `
	-ConfigurationName Microsoft.Exchange `
	-ConnectionUri "https://outlook.office365.com/powershell-liveid/" `
	-Credential $svc `
	-Authentication Basic `
	-AllowRedirection `
	-SessionOption $proxyOpt
Import-PSSession $exoSession `
	-Prefix Cloud `
	-CommandName Get-Mailbox, Get-MailboxFolderPermission, Set-MailboxFolderPermission, Add-MailboxFolderPermission `
	-AllowClobber

# Give the reception team Reviewer rights on every room calendar.
$rooms = Get-CloudMailbox -RecipientTypeDetails RoomMailbox -ResultSize Unlimited
foreach ($room in $rooms) {
	$folder = "{0}:\Calendar" -f $room.PrimarySmtpAddress
	$existing = Get-CloudMailboxFolderPermission -Identity $folder -User 'reception@contoso.com' -ErrorAction SilentlyContinue
	if ($existing) {
		Set-CloudMailboxFolderPermission -Identity $folder -User 'reception@contoso.com' -AccessRights Reviewer
	}
	else {
		Add-CloudMailboxFolderPermission -Identity $folder -User 'reception@contoso.com' -AccessRights Reviewer
	}
}

Remove-PSSession $exoSession
