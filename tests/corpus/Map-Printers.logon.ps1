# Logon script: maps printers by AD site and group membership, sets the default printer
# from the user's office. Runs as the user; must be quick and never prompt.

$ErrorActionPreference = 'SilentlyContinue'
$site = [System.DirectoryServices.ActiveDirectory.ActiveDirectorySite]::GetComputerSite().Name
$groups = ([Security.Principal.WindowsIdentity]::GetCurrent()).Groups | ForEach-Object {
    try { $_.Translate([Security.Principal.NTAccount]).Value } catch { }
}

$map = @{
    'AMS' = @{ Server = '\\print-ams'; Printers = @('AMS-FL2-MFP01', 'AMS-FL3-MFP01'); Default = 'AMS-FL2-MFP01' }
    'LON' = @{ Server = '\\print-lon'; Printers = @('LON-GF-MFP01'); Default = 'LON-GF-MFP01' }
    'NYC' = @{ Server = '\\print-nyc'; Printers = @('NYC-12-MFP01', 'NYC-12-PLOT01'); Default = 'NYC-12-MFP01' }
}
$extra = @{
    'CORP\GG-Finance' = '\\print-ams\AMS-FIN-CHEQUE'
    'CORP\GG-Design'  = '\\print-ams\AMS-DES-A0'
}

$net = New-Object -ComObject WScript.Network
$existing = (Get-CimInstance -ClassName Win32_Printer).Name

if ($map.ContainsKey($site.Substring(0, 3))) {
    $cfg = $map[$site.Substring(0, 3)]
    foreach ($p in $cfg.Printers) {
        $unc = '{0}\{1}' -f $cfg.Server, $p
        if ($existing -notcontains $unc) { $net.AddWindowsPrinterConnection($unc) }
    }
    $net.SetDefaultPrinter(('{0}\{1}' -f $cfg.Server, $cfg.Default))
}

foreach ($g in $extra.Keys) {
    if ($groups -contains $g -and $existing -notcontains $extra[$g]) {
        $net.AddWindowsPrinterConnection($extra[$g])
    }
}

# Remove connections to the old print server decommissioned in 2022.
$existing | Where-Object { $_ -like '\\oldprint01\*' } | ForEach-Object { $net.RemovePrinterConnection($_, $true, $true) }
