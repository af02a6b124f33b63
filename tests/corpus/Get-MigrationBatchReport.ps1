<#
.SYNOPSIS
    Daily status of the Exchange Online migration batches, mailed to the project team.
.NOTES
    Legacy connection kept on purpose until the service account gets its certificate.
#>
param(
    [string]$CredentialFile = 'D:\Jobs\Secure\migration.cred',
    [string[]]$Recipients = @('migration-team@contoso.com'),
    [switch]$IncludeCompleted
)

$user = 'svc-migration@contoso.onmicrosoft.com'
$password = Get-Content -Path $CredentialFile | ConvertTo-SecureString
$credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList $user, $password

$ExchangeSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "https://outlook.office365.com/powershell-liveid/" -Credential $credential -Authentication Basic -AllowRedirection
Import-PSSession $ExchangeSession -CommandName Get-MigrationBatch, Get-MigrationUser, Get-MigrationUserStatistics -AllowClobber | Out-Null

$batches = Get-MigrationBatch | Sort-Object CreationDateTime
$batchRows = foreach ($b in $batches) {
    if (-not $IncludeCompleted -and $b.Status -eq 'Completed') { continue }
    [PSCustomObject]@{
        Batch      = $b.Identity.ToString()
        Status     = [string]$b.Status
        Total      = $b.TotalCount
        Synced     = $b.SyncedCount
        Finalized  = $b.FinalizedCount
        Failed     = $b.FailedCount
        Created    = $b.CreationDateTime.ToString('yyyy-MM-dd')
        LastSync   = if ($b.LastSyncedDateTime) { $b.LastSyncedDateTime.ToString('yyyy-MM-dd HH:mm') } else { '-' }
    }
}

$failedUsers = Get-MigrationUser -Status Failed -ResultSize Unlimited | ForEach-Object {
    $st = Get-MigrationUserStatistics -Identity $_.Identity -IncludeReport:$false
    [PSCustomObject]@{
        User    = $_.Identity
        Batch   = $_.BatchId
        Error   = ($st.ErrorSummary -replace '\s+', ' ').Trim()
        Updated = $_.LastSuccessfulSyncTime
    }
}

$style = @"
<style>
table { border-collapse: collapse; font: 9pt Segoe UI; }
td, th { border: 1px solid #999; padding: 2px 5px; }
th { background-color: #dde; }
</style>
"@

$html = @()
$html += $batchRows | ConvertTo-Html -Fragment -PreContent '<h3>Batches</h3>'
if ($failedUsers) {
    $html += $failedUsers | ConvertTo-Html -Fragment -PreContent "<h3>Failed users ($(@($failedUsers).Count))</h3>"
}
$body = ConvertTo-Html -Head $style -Body ($html -join "`r`n") | Out-String

$mail = @{
    To         = $Recipients
    From       = 'migration-report@contoso.com'
    Subject    = "Migration status $(Get-Date -Format d) - $(@($failedUsers).Count) failed"
    Body       = $body
    BodyAsHtml = $true
    SmtpServer = 'smtp-relay.contoso.com'
}
Send-MailMessage @mail

Remove-PSSession $ExchangeSession
