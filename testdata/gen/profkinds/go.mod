module profkinds

go 1.19
