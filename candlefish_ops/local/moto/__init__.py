"""moto, made to behave as AWS does where candlefish relies on it.

`compat` is the only module that touches moto's private surface (backends, private CloudFormation names,
in-place patches) and checks the installed moto version; `extensions/` holds one module per gap closed
(each installs itself into moto through `compat`). Nothing here seeds data or deploys: that is `local.seed`
and the CLI's --local step.
"""
