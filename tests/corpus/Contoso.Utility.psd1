@{
    RootModule           = 'Contoso.Utility.psm1'
    ModuleVersion        = '1.8.0'
    GUID                 = 'b7e3c0d2-51f4-4e8a-a6c9-0f2d4b8e7a91'
    Author               = 'IT Operations'
    CompanyName          = 'Contoso Ltd.'
    Copyright            = '(c) Contoso Ltd.'
    Description          = 'Shared helpers for operations scripts.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = 'Desktop', 'Core'
    FunctionsToExport    = @(
        'Invoke-WithRetry', 'Measure-Block', 'ConvertTo-Slug', 'Format-Template', 'Split-CamelCase',
        'Get-StringHash', 'Get-BusinessDay', 'ConvertFrom-UnixTime', 'Get-WeekNumber', 'Export-Report',
        'Out-Columns', 'Save-Credential', 'Get-StoredCredential', 'Remove-OldFiles'
    )
    AliasesToExport      = @('retry')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    FileList             = @('Contoso.Utility.psm1', 'Contoso.Utility.psd1')
    PrivateData          = @{
        PSData = @{
            Tags       = @('Utility', 'Operations')
            ProjectUri = 'https://git.contoso.com/ops/contoso-utility'
        }
    }
}
