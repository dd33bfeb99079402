;; A module that needs a function from its host: the library provides none, so it refuses the
;; module with "imports env.random, which is not provided". Imports are checked first, so nothing
;; else is needed here.
(module
  (import "env" "random" (func (result i32))))
