<#
.SYNOPSIS
    IPv4 subnet calculator used by the network team's DHCP scope scripts.
.EXAMPLE
    Get-SubnetInfo 10.20.30.40/22
.EXAMPLE
    '192.168.1.0/24', '172.16.0.0/12' | Get-SubnetInfo | Format-Table
#>

function ConvertTo-UInt32 {
    param([Parameter(Mandatory)][ipaddress]$Address)
    $b = $Address.GetAddressBytes()
    [uint32](([uint32]$b[0] -shl 24) -bor ([uint32]$b[1] -shl 16) -bor ([uint32]$b[2] -shl 8) -bor [uint32]$b[3])
}

function ConvertFrom-UInt32 {
    param([Parameter(Mandatory)][uint32]$Value)
    $bytes = [byte[]]@(
        ($Value -shr 24) -band 0xFF
        ($Value -shr 16) -band 0xFF
        ($Value -shr 8) -band 0xFF
        $Value -band 0xFF
    )
    [ipaddress]::new($bytes)
}

function Get-SubnetInfo {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [ValidatePattern('^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$')]
        [string]$Cidr
    )
    process {
        $ip, $bits = $Cidr -split '/'
        $prefix = [int]$bits
        if ($prefix -gt 32) { throw "Invalid prefix length $prefix" }

        $mask = if ($prefix -eq 0) { [uint32]0 } else { [uint32]((0xFFFFFFFFL -shl (32 - $prefix)) -band 0xFFFFFFFFL) }
        $addr = ConvertTo-UInt32 $ip
        $network = $addr -band $mask
        $broadcast = $network -bor (-bnot $mask -band [uint32]::MaxValue)
        $size = [math]::Pow(2, 32 - $prefix)
        $hosts = switch ($prefix) {
            32 { 1 }
            31 { 2 }
            default { $size - 2 }
        }

        [PSCustomObject]@{
            Cidr       = '{0}/{1}' -f (ConvertFrom-UInt32 $network), $prefix
            Network    = ConvertFrom-UInt32 $network
            Mask       = ConvertFrom-UInt32 $mask
            Wildcard   = ConvertFrom-UInt32 (-bnot $mask -band 0xFFFFFFFFL)
            Broadcast  = ConvertFrom-UInt32 $broadcast
            FirstHost  = if ($prefix -ge 31) { ConvertFrom-UInt32 $network } else { ConvertFrom-UInt32 ($network + 1) }
            LastHost   = if ($prefix -ge 31) { ConvertFrom-UInt32 $broadcast } else { ConvertFrom-UInt32 ($broadcast - 1) }
            HostCount  = [long]$hosts
            IsPrivate  = ($network -band 0xFF000000L) -eq 0x0A000000L -or
                         ($network -band 0xFFF00000L) -eq 0xAC100000L -or
                         ($network -band 0xFFFF0000L) -eq 0xC0A80000L
        }
    }
}

function Split-Subnet {
    param(
        [Parameter(Mandatory)][string]$Cidr,
        [Parameter(Mandatory)][ValidateRange(1, 32)][int]$NewPrefix
    )
    $info = Get-SubnetInfo $Cidr
    $old = [int]($Cidr -split '/')[1]
    if ($NewPrefix -le $old) { throw 'New prefix must be longer than the current one' }
    $step = [uint32][math]::Pow(2, 32 - $NewPrefix)
    $start = ConvertTo-UInt32 $info.Network
    $count = [math]::Pow(2, $NewPrefix - $old)
    for ($i = 0; $i -lt $count; $i++) {
        '{0}/{1}' -f (ConvertFrom-UInt32 ($start + $i * $step)), $NewPrefix
    }
}

# A few constants the DHCP scripts reuse; the suffixes make the intent obvious.
$DefaultLeaseSeconds = 8 * 3600
$MaxScopeFile = 1MB
$ProbeTimeoutMs = 1.5e3
$ReservedTail = 10l
$FlagsMask = 0x1F

if ($MyInvocation.InvocationName -ne '.') {
    Get-SubnetInfo '10.20.30.40/22' | Format-List
    Split-Subnet -Cidr '10.20.0.0/22' -NewPrefix 24
    Write-Verbose ("Lease {0}s, max file {1} bytes, probe {2} ms, tail {3}, flags 0x{4:X2}" -f $DefaultLeaseSeconds, $MaxScopeFile, $ProbeTimeoutMs, $ReservedTail, $FlagsMask)
}
