module rtmetrics

go 1.19
