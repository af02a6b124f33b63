<#
.SYNOPSIS
    Publishes the sensitivity label set for a new business unit. Modern module: one
    Connect-IPPSSession, no remote PowerShell session objects.
#>
#Requires -Modules @{ ModuleName = 'ExchangeOnlineManagement'; ModuleVersion = '3.2.0' }
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)][string]$UserPrincipalName,
    [Parameter(Mandatory)][ValidatePattern('^[A-Z]{2,5}$')][string]$UnitCode,
    [string[]]$PublishTo = @()
)

Connect-IPPSSession -UserPrincipalName $UserPrincipalName -ShowBanner:$false

$labels = [ordered]@{
    'Public'       = @{ Tooltip = 'Information that may be shared outside Contoso.'; Colour = '#2E7D32'; Encrypt = $false }
    'Internal'     = @{ Tooltip = 'Information for Contoso staff and contractors.'; Colour = '#1565C0'; Encrypt = $false }
    'Confidential' = @{ Tooltip = 'Limited to named teams; encrypted.'; Colour = '#EF6C00'; Encrypt = $true }
    'Restricted'   = @{ Tooltip = 'Board and legal only; encrypted, no forwarding.'; Colour = '#C62828'; Encrypt = $true }
}

$created = foreach ($name in $labels.Keys) {
    $def = $labels[$name]
    $full = '{0} {1}' -f $UnitCode, $name
    if (Get-Label -Identity $full -ErrorAction SilentlyContinue) {
        Write-Verbose "$full exists"
        $full
        continue
    }
    if ($PSCmdlet.ShouldProcess($full, 'New-Label')) {
        $params = @{
            Name           = $full
            DisplayName    = $full
            Tooltip        = $def.Tooltip
            AdvancedSettings = @{ color = $def.Colour }
        }
        if ($def.Encrypt) {
            $params.EncryptionEnabled = $true
            $params.EncryptionProtectionType = 'Template'
            $params.EncryptionRightsDefinitions = "$($UnitCode.ToLower())-staff@contoso.com:VIEW,VIEWRIGHTSDATA,DOCEDIT,EDIT,PRINT,EXTRACT,REPLY,REPLYALL,FORWARD,OBJMODEL"
        }
        New-Label @params | Out-Null
        $full
    }
}

$policyName = "$UnitCode label policy"
if ($PublishTo.Count -gt 0 -and $PSCmdlet.ShouldProcess($policyName, 'Publish labels')) {
    if (Get-LabelPolicy -Identity $policyName -ErrorAction SilentlyContinue) {
        Set-LabelPolicy -Identity $policyName -AddLabels $created
    }
    else {
        New-LabelPolicy -Name $policyName -Labels $created -ExchangeLocation $PublishTo -AdvancedSettings @{ requiredowngradejustification = 'true' } | Out-Null
    }
}

Disconnect-ExchangeOnline -Confirm:$false
