# 18-cleanup-variants.ps1
# Demonstrates: cleanup variants: a session created with -Name and later found
# again with Get-PSSession -Name, removal by name, a filtered
# Get-PSSession | Where-Object ComputerName pipeline spread over several lines, and a
# try/catch/finally with retry on PSRemotingTransportException.

$cred = Get-Credential
$attempt = 0
$s = $null

while ($null -eq $s -and $attempt -lt 3) {
    $attempt++
    try {
        $s = New-PSSession -Name EXO -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/PowerShell-LiveID/ -Credential $cred -Authentication Basic -AllowRedirection -ErrorAction Stop
    }
    catch [System.Management.Automation.Remoting.PSRemotingTransportException] {
        Write-Warning "Attempt $attempt failed: $($_.Exception.Message)"
        Start-Sleep -Seconds (10 * $attempt)
    }
}
if ($null -eq $s) { throw 'Could not connect to Exchange Online' }

Import-PSSession $s -AllowClobber | Out-Null

try {
    $cutoff = (Get-Date).AddDays(-90)
    Get-Mailbox -ResultSize Unlimited -RecipientTypeDetails UserMailbox |
        Get-MailboxStatistics |
        Where-Object { $_.LastLogonTime -and $_.LastLogonTime -lt $cutoff } |
        Sort-Object LastLogonTime |
        Select-Object DisplayName, LastLogonTime, TotalItemSize |
        Export-Csv -Path .\inactive-mailboxes.csv -NoTypeInformation

    if ((Get-PSSession -Name EXO).State -ne 'Opened') {
        Write-Warning 'Session dropped during the report'
    }
}
finally {
    Get-PSSession |
        Where-Object { $_.ComputerName -like '*outlook.office365.com*' } |
        Remove-PSSession
    Remove-PSSession -Name EXO -ErrorAction SilentlyContinue
}
