New-PSSession -ConfigurationName Microsoft.Exchange `  
    -ConnectionUri https://x/
