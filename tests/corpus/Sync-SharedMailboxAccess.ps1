<#
.SYNOPSIS
    Makes Full Access and Send As on shared mailboxes match the membership of their
    "SMB-<alias>" security groups. Unattended: certificate-based app-only authentication.
#>
#Requires -Modules ExchangeOnlineManagement, ActiveDirectory
[CmdletBinding(SupportsShouldProcess)]
param(
    [string]$AppId = 'c1d7a1f0-9b2e-4b5c-8f3e-2a7d9e4b6c10',
    [string]$CertificateThumbprint = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678',
    [string]$Organization = 'contoso.onmicrosoft.com',
    [string]$GroupPrefix = 'SMB-'
)

$connect = @{
    AppId                 = $AppId
    CertificateThumbprint = $CertificateThumbprint
    Organization          = $Organization
    ShowBanner            = $false
    CommandName           = 'Get-EXOMailbox', 'Get-EXOMailboxPermission', 'Get-EXORecipientPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission', 'Add-RecipientPermission', 'Remove-RecipientPermission'
}
Connect-ExchangeOnline @connect

$changes = 0
try {
    $shared = Get-EXOMailbox -RecipientTypeDetails SharedMailbox -ResultSize Unlimited
    foreach ($mbx in $shared) {
        $group = Get-ADGroup -Filter "Name -eq '$GroupPrefix$($mbx.Alias)'" -ErrorAction SilentlyContinue
        if (-not $group) { continue }

        $wanted = @(Get-ADGroupMember -Identity $group -Recursive |
            Where-Object objectClass -eq 'user' |
            Get-ADUser -Properties UserPrincipalName |
            ForEach-Object { $_.UserPrincipalName.ToLower() })

        $full = @(Get-EXOMailboxPermission -Identity $mbx.UserPrincipalName |
            Where-Object { -not $_.IsInherited -and $_.AccessRights -contains 'FullAccess' -and $_.User -like '*@*' } |
            ForEach-Object { $_.User.ToLower() })
        $sendAs = @(Get-EXORecipientPermission -Identity $mbx.UserPrincipalName |
            Where-Object { $_.AccessRights -contains 'SendAs' -and $_.Trustee -like '*@*' } |
            ForEach-Object { $_.Trustee.ToLower() })

        foreach ($u in $wanted) {
            if ($u -notin $full -and $PSCmdlet.ShouldProcess("$($mbx.Alias) <- $u", 'Add FullAccess')) {
                Add-MailboxPermission -Identity $mbx.UserPrincipalName -User $u -AccessRights FullAccess -AutoMapping $true | Out-Null
                $changes++
            }
            if ($u -notin $sendAs -and $PSCmdlet.ShouldProcess("$($mbx.Alias) <- $u", 'Add SendAs')) {
                Add-RecipientPermission -Identity $mbx.UserPrincipalName -Trustee $u -AccessRights SendAs -Confirm:$false | Out-Null
                $changes++
            }
        }
        foreach ($u in $full | Where-Object { $_ -notin $wanted }) {
            if ($PSCmdlet.ShouldProcess("$($mbx.Alias) -> $u", 'Remove FullAccess')) {
                Remove-MailboxPermission -Identity $mbx.UserPrincipalName -User $u -AccessRights FullAccess -Confirm:$false
                $changes++
            }
        }
        foreach ($u in $sendAs | Where-Object { $_ -notin $wanted }) {
            if ($PSCmdlet.ShouldProcess("$($mbx.Alias) -> $u", 'Remove SendAs')) {
                Remove-RecipientPermission -Identity $mbx.UserPrincipalName -Trustee $u -AccessRights SendAs -Confirm:$false
                $changes++
            }
        }
    }
}
finally {
    Disconnect-ExchangeOnline -Confirm:$false
}
Write-Output "$changes permission change(s)"
