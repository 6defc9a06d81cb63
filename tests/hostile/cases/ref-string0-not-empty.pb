2x2alloc_objects2count2f2f.go
* "€ €"
