mod man_and_sample;
mod smoke {
    #[test]
    fn builds() {}
}
