;; A module with a start function, which would run the moment it is instantiated, before any
;; check of what it answers. The library refuses it with "has a start function, which this
;; library does not run".
(module
  (memory (export "memory") 1)
  (func $start)
  (start $start))
