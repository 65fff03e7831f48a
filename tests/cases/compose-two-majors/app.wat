(component
  (import "acme:greeter/api@1.0.0" (instance
    (export "f" (func (result u32)))))
  (import "acme:greeter/api@2.0.0" (instance
    (export "f" (func (result u32))))))
