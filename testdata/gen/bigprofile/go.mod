module bigprofile

go 1.19
