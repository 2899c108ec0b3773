//! `helpdesk-bindgen <input.wasm> <out-dir> <out-name>`: what
//! `wasm-bindgen --target=web --out-name=<out-name> --out-dir=<out-dir> <input.wasm>` does,
//! with every other option at the CLI's default.
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--version") {
        println!("helpdesk-bindgen {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let [input, out_dir, out_name] = args.as_slice() else {
        eprintln!("usage: helpdesk-bindgen <input.wasm> <out-dir> <out-name>");
        return ExitCode::from(2);
    };
    match bindgen(input, out_dir, out_name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:?}");
            ExitCode::FAILURE
        }
    }
}

fn bindgen(input: &str, out_dir: &str, out_name: &str) -> anyhow::Result<()> {
    let mut b = wasm_bindgen_cli_support::Bindgen::new();
    // The CLI still sets reference_types (deprecated, detected from the wasm since).
    #[allow(deprecated)]
    b.web(true)?
        .input_path(input)
        .out_name(out_name)
        .debug(false)
        .demangle(true)
        .keep_lld_exports(false)
        .keep_debug(false)
        .split_debug_info(false)
        .remove_name_section(false)
        .remove_producers_section(false)
        .typescript(true)
        .omit_imports(false)
        .omit_default_module_path(false)
        .split_linked_modules(false)
        .js_string_builtins(false)
        .ts_typed_array_buffers(false)
        .reference_types(false)
        .reset_state_function(false)
        .force_enable_abort_handler(false);
    b.generate(out_dir)
}
