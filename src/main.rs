fn main() -> std::process::ExitCode {
    jdeploy::cli::main()
}
