<#
    FileServerBaseline.Dsc.ps1
    DSC configuration for the branch file servers. Compile with:
        . .\FileServerBaseline.Dsc.ps1
        FileServerBaseline -ConfigurationData .\FileServerBaseline.psd1 -OutputPath .\mof
        Start-DscConfiguration -Path .\mof -Wait -Verbose
#>

Configuration FileServerBaseline {
    param(
        [Parameter(Mandatory)]
        [pscredential]$DomainJoinCredential,

        [string]$TimeZone = 'W. Europe Standard Time',

        [ValidateSet('ApplyOnly', 'ApplyAndMonitor', 'ApplyAndAutoCorrect')]
        [string]$ConfigurationMode = 'ApplyAndAutoCorrect'
    )

    Import-DscResource -ModuleName PSDesiredStateConfiguration
    Import-DscResource -ModuleName ComputerManagementDsc -ModuleVersion 9.0.0
    Import-DscResource -ModuleName StorageDsc
    Import-DscResource -ModuleName NetworkingDsc

    Node $AllNodes.Where({ $_.Role -eq 'FileServer' }).NodeName {

        LocalConfigurationManager {
            RebootNodeIfNeeded = $true
            ConfigurationMode  = $ConfigurationMode
            ActionAfterReboot  = 'ContinueConfiguration'
            RefreshFrequencyMins = 30
        }

        Computer JoinDomain {
            Name       = $Node.NodeName
            DomainName = $Node.DomainName
            Credential = $DomainJoinCredential
            JoinOU     = $Node.ServerOU
        }

        TimeZone SetTimeZone {
            IsSingleInstance = 'Yes'
            TimeZone         = $TimeZone
        }

        WindowsFeature FileServer {
            Name   = 'FS-FileServer'
            Ensure = 'Present'
        }

        WindowsFeature Dedup {
            Name      = 'FS-Data-Deduplication'
            Ensure    = 'Present'
            DependsOn = '[WindowsFeature]FileServer'
        }

        WindowsFeature Fsrm {
            Name      = 'FS-Resource-Manager'
            Ensure    = 'Present'
            DependsOn = '[WindowsFeature]FileServer'
        }

        WindowsFeature NoSmb1 {
            Name   = 'FS-SMB1'
            Ensure = 'Absent'
        }

        WaitForDisk DataDisk {
            DiskId           = $Node.DataDiskNumber
            RetryIntervalSec = 30
            RetryCount       = 20
        }

        Disk DataVolume {
            DiskId      = $Node.DataDiskNumber
            DriveLetter = 'D'
            FSLabel     = 'Data'
            FSFormat    = 'NTFS'
            AllocationUnitSize = 64KB
            DependsOn   = '[WaitForDisk]DataDisk'
        }

        foreach ($share in $Node.Shares) {
            $resourceName = $share.Name -replace '[^\w]', ''

            File "Folder_$resourceName" {
                DestinationPath = $share.Path
                Type            = 'Directory'
                Ensure          = 'Present'
                DependsOn       = '[Disk]DataVolume'
            }

            SmbShare "Share_$resourceName" {
                Name                  = $share.Name
                Path                  = $share.Path
                Description           = $share.Description
                FullAccess            = @('CORP\Role-FileServer-Admins')
                ChangeAccess          = $share.ChangeAccess
                ReadAccess            = $share.ReadAccess
                FolderEnumerationMode = 'AccessBased'
                CachingMode           = 'None'
                EncryptData           = $true
                Ensure                = 'Present'
                DependsOn             = "[File]Folder_$resourceName"
            }
        }

        Registry DisableSmbv1Client {
            Key       = 'HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\mrxsmb10'
            ValueName = 'Start'
            ValueData = '4'
            ValueType = 'Dword'
            Ensure    = 'Present'
        }

        Registry RequireSmbSigning {
            Key       = 'HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters'
            ValueName = 'RequireSecuritySignature'
            ValueData = '1'
            ValueType = 'Dword'
            Ensure    = 'Present'
        }

        Service Spooler {
            Name        = 'Spooler'
            State       = 'Stopped'
            StartupType = 'Disabled'
        }

        Firewall AllowSmbIn {
            Name        = 'FPS-SMB-In-TCP'
            Ensure      = 'Present'
            Enabled     = 'True'
            Profile     = ('Domain')
        }

        Script DedupSchedule {
            GetScript  = {
                $job = Get-DedupSchedule -Name 'WeeklyOptimization' -ErrorAction SilentlyContinue
                @{ Result = [string]($null -ne $job) }
            }
            TestScript = {
                $null -ne (Get-DedupSchedule -Name 'WeeklyOptimization' -ErrorAction SilentlyContinue)
            }
            SetScript  = {
                Enable-DedupVolume -Volume 'D:' -UsageType Default | Out-Null
                New-DedupSchedule -Name 'WeeklyOptimization' -Type Optimization -Days Saturday -Start '01:00' -DurationHours 8 | Out-Null
            }
            DependsOn  = '[WindowsFeature]Dedup', '[Disk]DataVolume'
        }

        Environment ScriptsPath {
            Name   = 'CONTOSO_SCRIPTS'
            Value  = 'D:\Scripts'
            Ensure = 'Present'
        }
    }

    Node $AllNodes.Where({ $_.Role -eq 'FileServer' -and $_.BranchCache }).NodeName {
        WindowsFeature BranchCache {
            Name   = 'FS-BranchCache'
            Ensure = 'Present'
        }
    }
}

$ConfigurationData = @{
    AllNodes = @(
        @{
            NodeName                    = '*'
            DomainName                  = 'corp.contoso.com'
            ServerOU                    = 'OU=FileServers,OU=Servers,DC=corp,DC=contoso,DC=com'
            PSDscAllowDomainUser        = $true
            CertificateFile             = 'C:\DscCerts\dsc-encryption.cer'
            Thumbprint                  = '3E0A54F9C1A2B7D8E0F1A2B3C4D5E6F708192A3B'
            DataDiskNumber              = 1
        }
        @{
            NodeName    = 'FS-AMS-01'
            Role        = 'FileServer'
            BranchCache = $true
            Shares      = @(
                @{ Name = 'Finance'; Path = 'D:\Shares\Finance'; Description = 'Finance department'; ChangeAccess = @('CORP\GG-Finance'); ReadAccess = @('CORP\GG-Auditors') }
                @{ Name = 'Public$'; Path = 'D:\Shares\Public'; Description = 'Branch public'; ChangeAccess = @('CORP\Domain Users'); ReadAccess = @() }
            )
        }
        @{
            NodeName    = 'FS-LON-01'
            Role        = 'FileServer'
            BranchCache = $false
            Shares      = @(
                @{ Name = 'Sales'; Path = 'D:\Shares\Sales'; Description = 'Sales UK'; ChangeAccess = @('CORP\GG-Sales'); ReadAccess = @() }
            )
        }
    )
}

if ($MyInvocation.InvocationName -ne '.') {
    $cred = Get-Credential -Message 'Account allowed to join computers to corp.contoso.com'
    FileServerBaseline -ConfigurationData $ConfigurationData -DomainJoinCredential $cred -OutputPath (Join-Path $PSScriptRoot 'mof')
}
