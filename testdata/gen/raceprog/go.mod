module raceprog

go 1.19
