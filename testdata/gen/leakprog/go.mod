module leakprog

go 1.19
