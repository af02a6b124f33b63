# Runs the long mailbox-rule export in a background job so the console stays usable.
# The job builds its own Exchange Online session because sessions cannot be shared
# with a job's process.

$cred = Get-Credential -Message 'Exchange Online admin'
$outFile = Join-Path $env:USERPROFILE 'Desktop\inbox-rules.csv'

$job = Start-Job -Name InboxRuleExport -ArgumentList $cred, $outFile -ScriptBlock {
    param([pscredential]$Credential, [string]$Path)

    $s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $Credential -Authentication Basic -AllowRedirection
    Import-PSSession $s -CommandName Get-Mailbox, Get-InboxRule -AllowClobber | Out-Null

    $rows = foreach ($mbx in Get-Mailbox -ResultSize Unlimited -RecipientTypeDetails UserMailbox) {
        Get-InboxRule -Mailbox $mbx.PrimarySmtpAddress -ErrorAction SilentlyContinue | ForEach-Object {
            [PSCustomObject]@{
                Mailbox     = $mbx.PrimarySmtpAddress
                Rule        = $_.Name
                Enabled     = $_.Enabled
                ForwardTo   = ($_.ForwardTo -join '; ')
                RedirectTo  = ($_.RedirectTo -join '; ')
                DeleteMsg   = $_.DeleteMessage
                MoveTo      = $_.MoveToFolder
                Description = ($_.Description -replace '\r?\n', ' ')
            }
        }
    }
    $rows | Export-Csv -Path $Path -NoTypeInformation -Encoding UTF8
    Remove-PSSession $s
    "Exported $(@($rows).Count) rules"
}

Register-ObjectEvent -InputObject $job -EventName StateChanged -Action {
    if ($Event.Sender.State -in 'Completed', 'Failed') {
        [console]::Beep(880, 200)
        Write-Host "`nInbox rule export $($Event.Sender.State): $(Receive-Job $Event.Sender)" -ForegroundColor Cyan
        Unregister-Event -SourceIdentifier $EventSubscriber.SourceIdentifier
    }
} | Out-Null

Write-Host "Started job $($job.Id); results will appear when it finishes."
