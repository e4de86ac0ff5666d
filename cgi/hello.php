#!/usr/bin/php-cgi
<?php
// For php-cgi (`cgi_pass /usr/bin/php-cgi;`): a tiny phpinfo.
header("Content-Type: text/plain; charset=utf-8");
echo "PHP " . PHP_VERSION . "\n";
echo "SAPI " . PHP_SAPI . "\n";
echo "SCRIPT_NAME " . $_SERVER["SCRIPT_NAME"] . "\n";
foreach ($_GET as $name => $value) {
    echo "GET " . $name . "=" . (is_array($value) ? implode(",", $value) : $value) . "\n";
}
