#include "common_passwords.hpp"

namespace printgate::auth::detail {
namespace {

// Written for printgate from well-known facts about leaked-password lists (the words and
// patterns that top them year after year), not copied from any list. Short entries still
// matter: the policy strips digits and symbols padded around a password ("monkey!!2024!")
// before looking it up here.
constexpr std::string_view list[] = {
    // digit runs and repeats
    "123456", "1234567", "12345678", "123456789", "1234567890", "12345678901", "123456789012",
    "1234567890123", "12345678901234", "0123456789", "01234567890", "012345678901", "987654321",
    "9876543210", "98765432109", "987654321098", "0987654321", "111111", "1111111", "11111111",
    "111111111111", "000000", "00000000", "000000000000", "123123", "123123123", "123123123123",
    "121212", "12121212", "121212121212", "112233", "11223344", "112233445566", "123321", "654321",
    "666666", "696969", "777777", "7777777", "888888", "999999", "555555", "159753", "159357",
    "147258369", "147852369", "741852963", "789456123", "123654", "1234512345", "123456654321",
    "123456123456", "131313", "202020", "246810", "13579", "1357924680",
    // keyboard walks
    "qwerty", "qwertyu", "qwertyui", "qwertyuiop", "qwertyuiopas", "qwertyuiopasdf",
    "qwertyuiopasdfgh", "qwertyuiopasdfghjkl", "qwerty123", "qwerty1234", "qwerty12345",
    "qwerty123456", "qwertyqwerty", "qwertz", "qwertzuiop", "azerty", "azertyuiop", "asdf",
    "asdfgh", "asdfghjk", "asdfghjkl", "asdfghjkl123", "asdfasdf", "asdfasdfasdf", "zxcvbn",
    "zxcvbnm", "zxcvbnm123", "zxcvbnm12345", "qazwsx", "qazwsxedc", "qazwsxedcrfv",
    "qazwsxedcrfvtgb", "1qaz2wsx", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "zaq12wsx", "zaq1zaq1",
    "zaq12wsxcde3", "!qaz@wsx", "!qaz@wsx#edc", "1q2w3e", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y",
    "1q2w3e4r5t6y7u", "1q2w3e4r5t6y7u8i", "q1w2e3r4", "q1w2e3r4t5", "q1w2e3r4t5y6", "qweasd",
    "qweasdzxc", "qweasdzxc123", "1234qwer", "1234qwerasdf", "1234qwerasdfzxcv", "qwer1234",
    "asdf1234", "zxcv1234", "abcd1234", "poiuytrewq", "mnbvcxz", "lkjhgfdsa", "7894561230",
    "123qwe", "123qweasd", "123qweasdzxc", "qwe123", "qwe123qwe", "1qazxsw2", "2wsx3edc",
    "abc123", "abc12345", "abc123abc123", "abcdef", "abcdefg", "abcdefgh", "abcdefghijkl",
    "abcdefghijklmnop", "abcabc", "aaaaaa", "aaaaaaaa", "aaaaaaaaaaaa", "zzzzzz", "xxxxxx",
    // the word itself, and friends
    "password", "password1", "password12", "password123", "password1234", "password12345",
    "password123456", "passwordpassword", "password!", "password123!", "passw0rd", "passw0rd1234",
    "p4ssw0rd", "pa55word", "pa55w0rd", "passpass", "pass1234", "pass12345", "passwort",
    "motdepasse", "contrasena", "senha", "parola", "wachtwoord", "salasana", "haslo", "mypassword",
    "newpassword", "oldpassword", "secretpassword", "supersecret", "supersecretpassword",
    "topsecret", "secret", "secret123", "changeme", "changeme123", "changeit", "letmein",
    "letmein123", "letmeinplease", "letmeinnow", "opensesame", "welcome", "welcome1",
    "welcome123", "welcome1234", "welcome12345", "welcomehome", "default", "default123",
    "temp1234", "temppassword", "test", "test123", "test1234", "testing", "testing123",
    "testtest", "guest", "guest123", "login", "login123", "access", "access14", "unknown",
    "nopassword", "whatever", "trustno1", "trustnoone", "iloveyou", "iloveyou1", "iloveyou2",
    "iloveyou123", "iloveyou1234", "iloveyoubaby", "iloveyoutoo", "iloveu", "ilovemyself",
    "ilovemydog", "ilovemycat", "ilovemom", "loveyou", "lovely", "loveme", "lovelove",
    "correcthorsebatterystaple", "correcthorse", "batterystaple",
    // admin and device defaults
    "admin", "admin123", "admin1234", "admin12345", "adminadmin", "administrator",
    "administrator1", "root", "rootroot", "toor", "root1234", "superuser", "sysadmin", "system",
    "manager", "operator", "support", "service", "user", "user1234", "username", "raspberry",
    "raspberrypi", "raspberry123", "pi", "ubuntu", "debian", "linux", "octopi", "octoprint",
    "prusa", "prusa3d", "ender3", "ender3v2", "creality", "3dprinter", "3dprinting", "printer",
    "printer123", "reprap", "marlin", "klipper", "mainsail", "fluidd",
    // names, words, teams and things that top leaked lists
    "dragon", "monkey", "master", "shadow", "sunshine", "princess", "football", "baseball",
    "basketball", "soccer", "hockey", "superman", "batman", "spiderman", "starwars", "pokemon",
    "naruto", "minecraft", "fortnite", "roblox", "killer", "hunter", "ranger", "buster",
    "tigger", "charlie", "freedom", "cheese", "ginger", "pepper", "maggie", "summer",
    "winter", "autumn", "spring", "flower", "butterfly", "chocolate", "cookie", "banana",
    "jordan", "jordan23", "michael", "jennifer", "jessica", "ashley", "amanda", "nicole",
    "daniel", "thomas", "robert", "andrew", "joshua", "matthew", "george", "michelle", "harley",
    "mustang", "ferrari", "porsche", "corvette", "yankees", "cowboys", "liverpool", "chelsea",
    "arsenal", "barcelona", "realmadrid", "dallas", "austin", "thunder", "taylor", "matrix",
    "computer", "internet", "samsung", "google", "facebook", "instagram", "youtube", "twitter",
    "microsoft", "windows", "apple", "iphone", "android", "blink182", "metallica", "slipknot",
    "nirvana", "qazxsw", "purple", "orange", "yellow", "silver", "golden", "diamond", "angel",
    "angels", "babygirl", "baby", "family", "friends", "forever", "heaven", "hello", "hello123",
    "helloworld", "hellokitty", "money", "money123", "lucky", "lucky7", "happy", "happy123",
    "smile", "music", "soccer10", "sparky", "buddy", "bailey", "daisy", "lucky13", "rocky",
    "blessed", "jesus", "jesus1", "christ", "godisgood", "trinity", "zaq1xsw2", "mickey",
    "minnie", "snoopy", "scooby", "garfield", "tweety", "secret1", "qwerty1", "asdf123",
    "internet1", "computer1", "monkey123", "dragon123", "master123", "shadow123", "sunshine1",
    "princess1", "princess123", "princess1234", "football1", "baseball1", "superman1",
    "batman123", "starwars1", "pokemon123", "freedom1", "whatever1", "trustno1trustno1",
    "blahblah", "nothing", "anything", "something", "everything", "letitbe", "hotdog",
    "cheeseburger", "pizza", "pizza123", "chicken", "bubbles", "snowball", "peanut",
    "pumpkin", "cupcake", "sweetheart", "sweetie", "superstar", "rockstar", "q1w2e3r4t5y6u7i8",
};

}  // namespace

std::span<const std::string_view> common_passwords() { return list; }

}  // namespace printgate::auth::detail
