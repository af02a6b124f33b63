Get-Date
<# never closed
Get-Location
