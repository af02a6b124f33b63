<#
.SYNOPSIS
    Inventory of virtual machines across the Hyper-V cluster nodes, with checkpoint age
    and VHD sizes.
#>
param(
    [string[]]$ClusterNode = @((Get-ClusterNode -Cluster 'HVCL01' -ErrorAction SilentlyContinue).Name),
    [int]$CheckpointWarnDays = 7
)

if (-not $ClusterNode) { $ClusterNode = @('hv01', 'hv02', 'hv03') }

$vms = Invoke-Command -ComputerName $ClusterNode -ScriptBlock {
    $warn = $using:CheckpointWarnDays
    Get-VM | ForEach-Object {
        $vm = $_
        $disks = Get-VMHardDiskDrive -VM $vm | ForEach-Object {
            $vhd = Get-VHD -Path $_.Path -ErrorAction SilentlyContinue
            [PSCustomObject]@{
                Path   = $_.Path
                Type   = if ($vhd) { [string]$vhd.VhdType } else { 'missing' }
                SizeGB = if ($vhd) { [math]::Round($vhd.FileSize / 1GB, 1) } else { 0 }
                MaxGB  = if ($vhd) { [math]::Round($vhd.Size / 1GB, 1) } else { 0 }
            }
        }
        $snaps = @(Get-VMSnapshot -VM $vm)
        $oldest = $snaps | Sort-Object CreationTime | Select-Object -First 1
        [PSCustomObject]@{
            Name           = $vm.Name
            State          = [string]$vm.State
            Generation     = $vm.Generation
            vCPU           = $vm.ProcessorCount
            MemoryGB       = [math]::Round($vm.MemoryStartup / 1GB, 1)
            Dynamic        = $vm.DynamicMemoryEnabled
            DiskGB         = ($disks | Measure-Object SizeGB -Sum).Sum
            Disks          = $disks.Count
            Checkpoints    = $snaps.Count
            OldCheckpoint  = [bool]($oldest -and $oldest.CreationTime -lt (Get-Date).AddDays(-$warn))
            IntegrationVer = $vm.IntegrationServicesVersion
            Uptime         = '{0:dd\.hh\:mm}' -f $vm.Uptime
        }
    }
} -HideComputerName

$vms | Sort-Object PSComputerName, Name |
    Format-Table PSComputerName, Name, State, vCPU, MemoryGB, DiskGB, Checkpoints, OldCheckpoint -AutoSize

$stale = $vms | Where-Object OldCheckpoint
if ($stale) {
    Write-Warning ("Checkpoints older than {0} days: {1}" -f $CheckpointWarnDays, ($stale.Name -join ', '))
}
