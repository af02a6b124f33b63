# 17-import-module-global-function.ps1
# Demonstrates: connect/disconnect helper functions in a profile-style script:
# $global:Session, Import-Module (Import-PSSession ...) -Global to escape the
# function scope, an "am I connected?" check on the session state, and a cleanup
# registered on PowerShell.Exiting.

function Connect-EXO {
    [CmdletBinding()]
    param(
        [pscredential]$Credential = (Get-Credential -Message 'Exchange Online')
    )

    if ($global:Session -and $global:Session.State -eq 'Opened') {
        Write-Verbose 'Already connected'
        return
    }

    $global:Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $Credential -Authentication Basic -AllowRedirection
    Import-Module (Import-PSSession $global:Session -AllowClobber -DisableNameChecking) -Global
}

function Disconnect-EXO {
    if ($global:Session) {
        Remove-PSSession -Session $global:Session
        $global:Session = $null
    }
}

Register-EngineEvent -SourceIdentifier PowerShell.Exiting -Action { Disconnect-EXO } | Out-Null

Connect-EXO -Verbose

# Room and equipment mailboxes with their booking policy, for the facilities team.
Get-Mailbox -RecipientTypeDetails RoomMailbox, EquipmentMailbox -ResultSize Unlimited | ForEach-Object {
    $cal = Get-CalendarProcessing -Identity $_.Identity
    [PSCustomObject]@{
        Resource           = $_.DisplayName
        Type               = $_.RecipientTypeDetails
        AutomateProcessing = $cal.AutomateProcessing
        BookingWindowDays  = $cal.BookingWindowInDays
        AllowConflicts     = $cal.AllowConflicts
    }
} | ConvertTo-Html -Title 'Resource mailboxes' | Out-File -FilePath .\resources.html -Encoding utf8

Disconnect-EXO
