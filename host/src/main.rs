fn main() -> std::process::ExitCode {
    ascribe::cli::main()
}
