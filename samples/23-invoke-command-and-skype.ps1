# 23-invoke-command-and-skype.ps1
# Demonstrates: uses of the session object that a rewrite cannot keep working
# (Invoke-Command -Session with $using:, .State checks), a $script: scoped
# session, and a Skype for Business Online session whose Import-PSSession looks
# identical but must not be touched.

Import-Module SkypeOnlineConnector
$cred = Get-Credential

$script:session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $cred -Authentication Basic -AllowRedirection
Import-PSSession $script:session -AllowClobber | Out-Null

$sfbSession = New-CsOnlineSession -Credential $cred
Import-PSSession $sfbSession -AllowClobber | Out-Null

$who = Read-Host 'User to check'

# The author ran the lookup remotely to get raw deserialized objects back.
$mbx = Invoke-Command -Session $script:session -ScriptBlock { Get-Mailbox -Identity $using:who }
$cs = Get-CsOnlineUser -Identity $who

if ($script:session.State -ne 'Opened') {
    Write-Warning 'Exchange session is broken; results may be incomplete'
}

[PSCustomObject]@{
    User            = $who
    Mailbox         = $mbx.PrimarySmtpAddress
    ArchiveEnabled  = $mbx.ArchiveStatus
    SipAddress      = $cs.SipAddress
    EnterpriseVoice = $cs.EnterpriseVoiceEnabled
    TeamsUpgrade    = $cs.TeamsUpgradeEffectiveMode
} | Format-List

Remove-PSSession $script:session
Remove-PSSession $sfbSession
