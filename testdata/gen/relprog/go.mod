module relprog

go 1.19
