# Environment settings read with Import-PowerShellDataFile by the job scripts.
@{
    Environment = 'Production'

    Exchange    = @{
        Organization          = 'contoso.onmicrosoft.com'
        AppId                 = 'c1d7a1f0-9b2e-4b5c-8f3e-2a7d9e4b6c10'
        CertificateThumbprint = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678'
        # Legacy endpoint kept for the proxy fallback only; do not use in new scripts.
        LegacyUri             = 'https://outlook.office365.com/powershell-liveid/'
        ReportRecipients      = @('messaging@contoso.com', 'itops@contoso.com')
    }

    ActiveDirectory = @{
        Server       = 'dc01.corp.contoso.com'
        UserOu       = 'OU=Users,OU=Corp,DC=corp,DC=contoso,DC=com'
        QuarantineOu = 'OU=Quarantine,OU=Corp,DC=corp,DC=contoso,DC=com'
        InactiveDays = 90
    }

    Smtp        = @{
        Server = 'smtp-relay.contoso.com'
        Port   = 25
        From   = 'jobs@contoso.com'
    }

    Paths       = @{
        Logs    = 'D:\Jobs\Logs'
        Reports = '\\fs01.corp.contoso.com\reports$'
        Secure  = 'D:\Jobs\Secure'
    }

    Limits      = @{
        MaxReportSize = 25MB
        RetryCount    = 3
        RetryDelayMs  = 1500
        ThrottleLimit = 16
    }

    Features    = @{
        SendMail        = $true
        DeleteAccounts  = $false
        UseGraphBeta    = $false
    }
}
