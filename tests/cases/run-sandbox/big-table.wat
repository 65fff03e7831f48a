;; A component whose module declares a table of 4294967295 elements: instantiating it must
;; fail against the table limit, not try to allocate 32 GiB.
(component
  (core module $m
    (table 4294967295 funcref)
    (func (export "f") (result i32) i32.const 1)
  )
  (core instance $i (instantiate $m))
  (func (export "f") (result s32) (canon lift (core func $i "f")))
)
