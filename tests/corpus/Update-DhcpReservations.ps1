<#
.SYNOPSIS
    Synchronises DHCP reservations for printers and phones from the asset CSV.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string]$DhcpServer = 'dhcp01.corp.contoso.com',
    [string]$AssetFile = '\\fs01.corp.contoso.com\it$\assets\reservations.csv'
)

$assets = Import-Csv -Path $AssetFile | Where-Object { $_.Type -in 'Printer', 'Phone', 'AccessPoint' }
$byScope = $assets | Group-Object Scope

foreach ($scopeGroup in $byScope) {
    $scopeId = $scopeGroup.Name
    $existing = @{}
    Get-DhcpServerv4Reservation -ComputerName $DhcpServer -ScopeId $scopeId | ForEach-Object {
        $existing[($_.ClientId -replace '[-:]', '').ToUpper()] = $_
    }

    foreach ($a in $scopeGroup.Group) {
        $mac = ($a.Mac -replace '[^0-9A-Fa-f]', '').ToUpper()
        if ($mac.Length -ne 12) {
            Write-Warning "Invalid MAC '$($a.Mac)' for $($a.Name)"
            continue
        }
        $clientId = ($mac -split '(..)' -ne '') -join '-'
        $current = $existing[$mac]

        if (-not $current) {
            if ($PSCmdlet.ShouldProcess("$($a.IP) $($a.Name)", 'Add reservation')) {
                Add-DhcpServerv4Reservation -ComputerName $DhcpServer -ScopeId $scopeId -IPAddress $a.IP -ClientId $clientId -Name $a.Name -Description "$($a.Type) asset $($a.AssetTag)"
            }
        }
        elseif ($current.IPAddress.IPAddressToString -ne $a.IP -or $current.Name -ne $a.Name) {
            if ($PSCmdlet.ShouldProcess("$($a.IP) $($a.Name)", "Update reservation (was $($current.IPAddress) $($current.Name))")) {
                Remove-DhcpServerv4Reservation -ComputerName $DhcpServer -ScopeId $scopeId -ClientId $clientId
                Add-DhcpServerv4Reservation -ComputerName $DhcpServer -ScopeId $scopeId -IPAddress $a.IP -ClientId $clientId -Name $a.Name -Description "$($a.Type) asset $($a.AssetTag)"
            }
        }
        $existing.Remove($mac)
    }

    foreach ($orphan in $existing.Values) {
        Write-Verbose "Reservation $($orphan.IPAddress) ($($orphan.Name)) in $scopeId is not in the asset list"
    }
}
