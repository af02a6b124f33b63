Get-Date
$x = = 1
Get-Location
