module personbench

go 1.19
