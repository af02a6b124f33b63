function Get-InstalledSoftware {
    <#
    .SYNOPSIS
        Lists installed programs from the uninstall registry keys (32- and 64-bit, machine
        and user), locally or on remote computers.
    .EXAMPLE
        Get-InstalledSoftware -ComputerName srv01, srv02 -Name '*Java*'
    #>
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('CN', 'Name')]
        [string[]]$ComputerName = $env:COMPUTERNAME,

        [SupportsWildcards()]
        [string]$DisplayName = '*'
    )

    begin {
        $scan = {
            param($Filter)
            $paths = @(
                'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*'
                'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
                'HKCU:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*'
            )
            foreach ($p in $paths) {
                Get-ItemProperty -Path $p -ErrorAction SilentlyContinue |
                    Where-Object { $_.DisplayName -and $_.DisplayName -like $Filter -and -not $_.SystemComponent } |
                    ForEach-Object {
                        $date = $null
                        if ($_.InstallDate -match '^\d{8}$') {
                            $date = [datetime]::ParseExact($_.InstallDate, 'yyyyMMdd', $null)
                        }
                        [PSCustomObject]@{
                            Computer    = $env:COMPUTERNAME
                            Name        = $_.DisplayName
                            Version     = $_.DisplayVersion
                            Publisher   = $_.Publisher
                            InstallDate = $date
                            Arch        = if ($p -like '*WOW6432Node*') { 'x86' } else { 'x64' }
                            Scope       = if ($p -like 'HKCU:*') { 'User' } else { 'Machine' }
                            Uninstall   = $_.QuietUninstallString, $_.UninstallString | Where-Object { $_ } | Select-Object -First 1
                        }
                    }
            }
        }
    }

    process {
        foreach ($c in $ComputerName) {
            if ($c -in $env:COMPUTERNAME, 'localhost', '.') {
                & $scan $DisplayName
            }
            else {
                Invoke-Command -ComputerName $c -ScriptBlock $scan -ArgumentList $DisplayName |
                    Select-Object * -ExcludeProperty PSComputerName, RunspaceId, PSShowComputerName
            }
        }
    }
}
