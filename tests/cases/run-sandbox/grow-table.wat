;; A component that grows a table by `n` elements at run time (`grow(n)` returns the old size).
(component
  (core module $m
    (table $t 1 funcref)
    (func (export "grow") (param i32) (result i32)
      (table.grow $t (ref.null func) (local.get 0)))
  )
  (core instance $i (instantiate $m))
  (func (export "grow") (param "n" u32) (result s32) (canon lift (core func $i "grow")))
)
