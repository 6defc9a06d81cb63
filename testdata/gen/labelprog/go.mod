module labelprog

go 1.19
